import { type FileHandle, stat } from 'node:fs/promises';
import { Writable } from 'node:stream';

import type { MemberScan } from './member-scan.js';

/**
 * How far the member scan may fall behind the file before writes wait for it. The scan's input
 * (a pipe into the decompressor) holds at most this much plus one write batch, so a slow scan
 * costs bounded memory and throttles the download to its pace instead of buffering it.
 */
export const SCAN_SLACK_BYTES = 4 * 1024 * 1024;

/** What the file was once every byte was in it: extract() refuses a file that changed since. */
export interface WrittenFile {
  size: number;
  dev: number;
  ino: number;
  mtimeMs: number;
}

export interface ScanTargets {
  /** The file, opened for writing, and its path. */
  file: FileHandle;
  path: string;
  scan: MemberScan;
}

/**
 * A Writable that stores every chunk in a file and hands the same chunk to a member scan, so the
 * scan of a download runs while it downloads. It finishes (and `result` resolves) once the input
 * has ended, the file is closed and the scan passed. A refused member destroys this stream at
 * once, so a pipeline feeding it stops the download; destroying it (a failed download) stops
 * the scan. `result` settles only after the scan's decompressor has exited.
 */
export class ScannedFileWriter extends Writable {
  readonly result: Promise<WrittenFile>;
  private targets?: ScanTargets;
  private scanDone: Promise<void> = Promise.resolve();
  private firstError?: Error;
  private written?: WrittenFile;
  private readonly ended: Promise<void>;
  private settleEnded!: () => void;

  /** `open` runs before the first write: it opens the file and starts the scan. */
  constructor(private readonly open: () => Promise<ScanTargets>) {
    // 1 MiB: batches the small chunks of network bodies into one writev and one pipe write.
    super({ highWaterMark: 1024 * 1024 });
    this.ended = new Promise((resolve) => (this.settleEnded = resolve));
    this.result = this.settle();
    // Every failure settles `result`, which the caller awaits; a stream that fails before it is
    // piped (a missing decompressor) must not crash the process with an unheard 'error'.
    this.on('error', () => undefined);
    this.result.catch(() => undefined);
  }

  override _construct(callback: (error?: Error | null) => void): void {
    this.open().then((targets) => {
      this.targets = targets;
      this.scanDone = targets.scan.done;
      // A refused member ends the download now, not after the last byte.
      targets.scan.done.catch((err: unknown) => this.fail(asError(err)));
      callback();
    }, callback);
  }

  override _write(
    chunk: Buffer,
    _enc: BufferEncoding,
    callback: (err?: Error | null) => void,
  ): void {
    this.writeBoth([chunk]).then(() => callback(), callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (err?: Error | null) => void): void {
    this.writeBoth(chunks.map((c) => c.chunk)).then(() => callback(), callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    const { file, path, scan } = this.targets!;
    scan.input.end();
    (async () => {
      await file.close();
      // After close: some filesystems (NTFS, network mounts) settle the mtime only then.
      const st = await stat(path);
      // 'finish' waits for the scan, so a pipeline into this stream resolves on a checked
      // archive, and whatever bounds the pipeline (the transfer watchdog) bounds the scan too.
      await scan.done;
      this.written = { size: st.size, dev: st.dev, ino: st.ino, mtimeMs: st.mtimeMs };
    })().then(() => callback(), callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    // autoDestroy also lands here after a clean finish; anything else stops the scan.
    if (!this.written) {
      this.firstError ??= err ?? new Error('the archive download stopped before its end');
      this.targets?.scan.abort();
    }
    const file = this.written ? undefined : this.targets?.file;
    this.settleEnded();
    if (!file) return callback(err);
    file.close().then(
      () => callback(err),
      () => callback(err),
    );
  }

  private async writeBoth(chunks: Buffer[]): Promise<void> {
    const { file, scan } = this.targets!;
    await Promise.all([writeAll(file, chunks), feed(scan.input, chunks)]);
  }

  private fail(err: Error): void {
    this.firstError ??= err;
    if (!this.destroyed && !this.written) this.destroy(err);
  }

  private async settle(): Promise<WrittenFile> {
    await this.ended;
    // Only now is it certain that _construct has run, and so which scan to wait for; a scan
    // that was stopped settles once its process has exited.
    const [scan] = await Promise.allSettled([this.scanDone]);
    if (this.written && scan.status === 'fulfilled') return this.written;
    throw this.firstError ?? new Error('the archive download stopped before its end');
  }
}

/** Writes `chunks` to the scan, then waits while more than SCAN_SLACK_BYTES are queued. */
async function feed(input: Writable, chunks: Buffer[]): Promise<void> {
  for (const c of chunks) {
    // A scan that stopped early has failed or is failing; `done` reports why.
    if (input.destroyed || input.writableEnded) return;
    input.write(c);
  }
  if (input.writableLength <= SCAN_SLACK_BYTES) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      input.off('drain', done);
      input.off('close', done);
      resolve();
    };
    input.on('drain', done);
    input.on('close', done);
  });
}

async function writeAll(file: FileHandle, chunks: Buffer[]): Promise<void> {
  let rest = chunks;
  while (rest.length > 0) {
    const { bytesWritten } = await file.writev(rest);
    if (bytesWritten === 0) throw new Error('writing the archive made no progress');
    rest = dropBytes(rest, bytesWritten);
  }
}

function dropBytes(chunks: Buffer[], n: number): Buffer[] {
  let left = n;
  let i = 0;
  while (i < chunks.length && left >= chunks[i]!.length) left -= chunks[i++]!.length;
  const rest = chunks.slice(i);
  if (left > 0 && rest.length > 0) rest[0] = rest[0]!.subarray(left);
  return rest;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
