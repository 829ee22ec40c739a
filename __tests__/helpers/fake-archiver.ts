import { readFile, writeFile } from 'node:fs/promises';
import { PassThrough, Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

import type {
  Archiver,
  ArchiveReceiver,
  CheckedArchive,
  CreateOptions,
  ExtractOptions,
} from '../../src/archive/archiver.js';
import { UnsafeArchiveError } from '../../src/errors.js';

/** Records what it was asked to pack and unpack; the "archive" is the JSON file list. */
export class FakeArchiver implements Archiver {
  readonly created: CreateOptions[] = [];
  readonly received: { file: string; opts: ExtractOptions }[] = [];
  readonly extracted: { file: string; opts: ExtractOptions; bytes: Buffer }[] = [];
  /** Make create() produce a stream that errors, or one that never ends. */
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  /** receive() refuses, as soon as it arrives, a chunk holding this text, as a member scan would. */
  refuse?: string;
  /** receive() takes every byte but never finishes its check, like a hung decompressor. */
  checkHangs = false;
  /** Bytes receive() has been handed, across all calls. */
  receivedBytes = 0;
  private readonly issued = new WeakMap<CheckedArchive, ExtractOptions>();

  create(opts: CreateOptions): Readable {
    this.created.push(opts);
    if (this.mode === 'fail') {
      const s = new PassThrough();
      s.write(Buffer.alloc(1024));
      setTimeout(() => s.destroy(new Error('tar: exited with code 2')), 10);
      return s;
    }
    if (this.mode === 'hang') return new PassThrough();
    return Readable.from([Buffer.from(JSON.stringify(opts.files))]);
  }

  receive(file: string, opts: ExtractOptions): ArchiveReceiver {
    this.received.push({ file, opts });
    const chunks: Buffer[] = [];
    const input = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        this.receivedBytes += chunk.length;
        if (this.refuse && chunk.includes(this.refuse)) {
          return cb(new UnsafeArchiveError(`refusing to extract archive member '${this.refuse}'`));
        }
        chunks.push(chunk);
        cb();
      },
      final: (cb) => {
        if (this.checkHangs) return;
        writeFile(file, Buffer.concat(chunks)).then(() => cb(), cb);
      },
    });
    input.on('error', () => undefined);
    const checked = finished(input).then(() => {
      const archive = Object.freeze({ file, size: Buffer.concat(chunks).length });
      this.issued.set(archive, opts);
      return archive;
    });
    checked.catch(() => undefined);
    return { input, checked };
  }

  async extract(archive: CheckedArchive): Promise<void> {
    const opts = this.issued.get(archive);
    if (!opts) throw new Error('FakeArchiver.extract: not an archive its receive() checked');
    this.issued.delete(archive);
    this.extracted.push({ file: archive.file, opts, bytes: await readFile(archive.file) });
  }
}
