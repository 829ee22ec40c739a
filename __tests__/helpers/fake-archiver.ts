import { PassThrough, Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

import type {
  Archiver,
  CreateOptions,
  Extraction,
  ExtractOptions,
} from '../../src/archive/archiver.js';
import { UnsafeArchiveError } from '../../src/errors.js';

/** Records what it was asked to pack and unpack; the "archive" is the JSON file list. */
export class FakeArchiver implements Archiver {
  readonly created: CreateOptions[] = [];
  /** Every extract() call, committed or not. */
  readonly started: ExtractOptions[] = [];
  /** Extractions that were committed: what reached the declared paths. */
  readonly extracted: { opts: ExtractOptions; bytes: Buffer }[] = [];
  /** Extractions discarded without a commit. */
  discarded = 0;
  /** Make create() produce a stream that errors, or one that never ends. */
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  /** extract() refuses, as soon as it arrives, a chunk holding this text, as the gate would. */
  refuse?: string;
  /** extract() takes every byte but never finishes staging, like a hung tar. */
  stageHangs = false;
  /** Bytes extract() has been handed, across all calls. */
  receivedBytes = 0;

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

  extract(opts: ExtractOptions): Extraction {
    this.started.push(opts);
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
    });
    input.on('error', () => undefined);
    const aborted = new Promise<never>((_resolve, reject) => {
      const abort = (): void => reject(opts.signal?.reason as Error);
      if (opts.signal?.aborted) abort();
      opts.signal?.addEventListener('abort', abort, { once: true });
    });
    aborted.catch(() => undefined);
    const staged = Promise.race([
      finished(input).then(async () => {
        if (this.stageHangs) await aborted;
        const bytes = Buffer.concat(chunks);
        return { members: 1, bytes: bytes.length };
      }),
      aborted,
    ]);
    staged.catch(() => undefined);
    let committed = false;
    return {
      input,
      staged,
      commit: async () => {
        await staged;
        committed = true;
        this.extracted.push({ opts, bytes: Buffer.concat(chunks) });
      },
      discard: async () => {
        if (!committed) this.discarded++;
        input.destroy();
        await staged.catch(() => undefined);
      },
    };
  }
}
