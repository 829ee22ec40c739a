import { readFile } from 'node:fs/promises';
import { PassThrough, Readable } from 'node:stream';

import type { Archiver, CreateOptions, ExtractOptions } from '../../src/archive/archiver.js';

/** Records what it was asked to pack and unpack; the "archive" is the JSON file list. */
export class FakeArchiver implements Archiver {
  readonly created: CreateOptions[] = [];
  readonly extracted: { file: string; opts: ExtractOptions; bytes: Buffer }[] = [];
  /** Make create() produce a stream that errors, or one that never ends. */
  mode: 'ok' | 'fail' | 'hang' = 'ok';

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

  async extract(file: string, opts: ExtractOptions): Promise<void> {
    this.extracted.push({ file, opts, bytes: await readFile(file) });
  }
}
