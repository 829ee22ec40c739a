import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type { MemberScan } from '../../../src/archive/member-scan.js';
import { SCAN_SLACK_BYTES, ScannedFileWriter } from '../../../src/archive/scanned-file-writer.js';
import { UnsafeArchiveError } from '../../../src/errors.js';

const MiB = 1024 * 1024;

/** A scan whose input takes bytes only while `flowing`, and whose outcome the test decides. */
function fakeScan() {
  let pass!: () => void;
  let refuse!: (err: Error) => void;
  const done = new Promise<void>((res, rej) => {
    pass = res;
    refuse = rej;
  });
  done.catch(() => undefined);
  const held: (() => void)[] = [];
  let consumed = 0;
  const scan = {
    flowing: false,
    aborted: false,
    input: new Writable({
      write(chunk: Buffer, _enc, cb) {
        consumed += chunk.length;
        if (scan.flowing) cb();
        else held.push(cb);
      },
    }),
    done,
    abort() {
      scan.aborted = true;
      refuse(new Error('scan aborted'));
    },
    flow() {
      scan.flowing = true;
      held.splice(0).forEach((cb) => cb());
    },
    pass,
    refuse,
    consumed: () => consumed,
  };
  return scan;
}

/** `total` bytes in 64 KiB chunks, made only when asked for; `produced` counts them. */
function source(total: number) {
  const s = { produced: 0, stream: undefined as unknown as Readable };
  s.stream = new Readable({
    read() {
      if (s.produced >= total) return void this.push(null);
      s.produced += 64 * 1024;
      this.push(Buffer.alloc(64 * 1024, s.produced / (64 * 1024)));
    },
  });
  return s;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'scanned-writer-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function writerFor(scan: MemberScan, name = 'archive') {
  const file = path.join(dir, name);
  return {
    file,
    writer: new ScannedFileWriter(async () => ({ file: await open(file, 'w'), path: file, scan })),
  };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a scan that falls behind throttles the download to its pace, holding bounded memory', async () => {
  const scan = fakeScan();
  const { file, writer } = writerFor(scan);
  const src = source(64 * MiB);
  const piped = pipeline(src.stream, writer);

  await tick(300);
  // The scan took nothing: the download stopped after its slack and the stream buffers...
  expect(src.produced).toBeLessThan(SCAN_SLACK_BYTES + 4 * MiB);
  expect(scan.input.writableLength).toBeLessThanOrEqual(SCAN_SLACK_BYTES + 2 * MiB);
  // ...and it is only waiting: once the scan reads again, every byte goes through.
  scan.flow();
  scan.pass();
  await piped;
  await expect(writer.result).resolves.toMatchObject({ size: 64 * MiB });
  expect(scan.consumed()).toBe(64 * MiB);
  expect((await readFile(file)).length).toBe(64 * MiB);
});

test('the stream finishes only once the scan has passed', async () => {
  const scan = fakeScan();
  scan.flow();
  const { writer } = writerFor(scan);
  let finished = false;
  const piped = pipeline(Readable.from([Buffer.from('all of it')]), writer).then(() => {
    finished = true;
  });
  await tick(100);
  expect(finished).toBe(false);
  scan.pass();
  await piped;
  await expect(writer.result).resolves.toMatchObject({ size: 9 });
});

test('a refused member destroys the stream at once, which stops the download', async () => {
  const scan = fakeScan();
  scan.flow();
  const { writer } = writerFor(scan);
  const src = source(1024 * MiB);
  const piped = pipeline(src.stream, writer);
  await tick(50);
  const refusal = new UnsafeArchiveError("refusing to extract archive member '../x'");
  scan.refuse(refusal);
  await expect(piped).rejects.toBe(refusal);
  await expect(writer.result).rejects.toBe(refusal);
  expect(src.produced).toBeLessThan(1024 * MiB);
});

test('a scan that fails after the last byte fails the stream', async () => {
  const scan = fakeScan();
  scan.flow();
  const { writer } = writerFor(scan);
  const piped = pipeline(Readable.from([Buffer.from('x')]), writer);
  await tick(50);
  const corrupt = new UnsafeArchiveError('the zstd archive is corrupt');
  scan.refuse(corrupt);
  await expect(piped).rejects.toBe(corrupt);
  await expect(writer.result).rejects.toBe(corrupt);
});

test('a failed download stops the scan', async () => {
  const scan = fakeScan();
  scan.flow();
  const { writer } = writerFor(scan);
  const broken = new Readable({
    read() {
      this.push(Buffer.alloc(1024));
      this.destroy(new Error('ECONNRESET'));
    },
  });
  await expect(pipeline(broken, writer)).rejects.toThrow(/ECONNRESET/);
  await expect(writer.result).rejects.toThrow(/ECONNRESET/);
  expect(scan.aborted).toBe(true);
});

test('a failure to open leaves no unhandled error, only a rejected result', async () => {
  const writer = new ScannedFileWriter(() => Promise.reject(new Error('no zstd on PATH')));
  await expect(writer.result).rejects.toThrow(/no zstd on PATH/);
});
