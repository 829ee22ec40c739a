import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';

import { PooledSocketSource } from '../../src/archive/chunk-source.js';
import { type ChunkSource, readableChunks } from '../../src/util/chunks.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'chunk-source-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A file of `mib` MiB of random bytes, and its sha256. */
async function randomFile(mib: number): Promise<{ file: string; digest: string }> {
  const data = randomBytes(mib << 20);
  const file = path.join(dir, `random-${mib}`);
  await writeFile(file, data);
  return { file, digest: createHash('sha256').update(data).digest('hex') };
}

/**
 * Consumes `source` as the gate feed does: each chunk is released later, when "its write
 * finishes" (after `delay` ms, or on the next turn of the loop), and every `pauseEvery` chunks
 * the consumer asks for a pause, as a slow tar does.
 */
async function drain(
  source: ChunkSource,
  delay: number,
  pauseEvery: number,
): Promise<{ digest: string; buffers: number; chunks: number; maxHeld: number }> {
  const h = createHash('sha256');
  const seen = new Set<ArrayBufferLike>();
  let chunks = 0;
  let held = 0;
  let maxHeld = 0;
  await new Promise<void>((resolve, reject) => {
    source.start({
      chunk(data, release) {
        const copy = Buffer.from(data);
        seen.add(data.buffer);
        chunks++;
        maxHeld = Math.max(maxHeld, ++held);
        const later = (): void => {
          // Nothing may have overwritten a chunk before it was released.
          expect(data.equals(copy)).toBe(true);
          h.update(data);
          held--;
          release();
        };
        if (delay) setTimeout(later, delay);
        else setImmediate(later);
        if (chunks % pauseEvery === 0) {
          setTimeout(() => source.resume(), 3);
          return false;
        }
        return true;
      },
      end: () => setTimeout(resolve, delay + 5),
      error: reject,
    });
  });
  return { digest: h.digest('hex'), buffers: seen.size, chunks, maxHeld };
}

test('a child writes through the pooled socket: every byte in order, in a bounded set of buffers', async () => {
  const { file, digest } = await randomFile(32);
  const opened = await PooledSocketSource.open(dir, process.platform);
  expect(opened).toBeDefined();
  const { source, childEnd } = opened!;
  const child = spawn('cat', [file], {
    stdio: ['ignore', childEnd, 'inherit'],
  });
  childEnd.destroy();
  const [result] = await Promise.all([drain(source, 0, 7), once(child, 'exit')]);
  source.destroy();
  expect(result.digest).toBe(digest);
  // 32 MiB went through the pool's 16 buffers; none was allocated beyond it.
  expect(result.buffers).toBeLessThanOrEqual(16);
  expect(result.chunks).toBeGreaterThan(32 * 4);
});

test('a consumer slower than the child: the reader waits for released buffers', async () => {
  const { file, digest } = await randomFile(8);
  const { source, childEnd } = (await PooledSocketSource.open(dir, process.platform))!;
  const child = spawn('cat', [file], {
    stdio: ['ignore', childEnd, 'inherit'],
  });
  childEnd.destroy();
  const [result] = await Promise.all([drain(source, 20, 1_000_000), once(child, 'exit')]);
  source.destroy();
  expect(result.digest).toBe(digest);
  expect(result.buffers).toBeLessThanOrEqual(16);
  // It did run out: all but the socket's next target were held at once.
  expect(result.maxHeld).toBe(15);
});

test('a directory too deep for a socket name: a private one in the temp dir, gone once connected', async () => {
  const tmp = path.join(dir, 't');
  await mkdir(tmp);
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = tmp; // where os.tmpdir() looks
  let opened: Awaited<ReturnType<typeof PooledSocketSource.open>>;
  try {
    opened = await PooledSocketSource.open(path.join(dir, 'x'.repeat(120)), process.platform);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
  expect(opened).toBeDefined();
  expect(await readdir(tmp)).toEqual([]);
  const { file, digest } = await randomFile(4);
  const { source, childEnd } = opened!;
  const child = spawn('cat', [file], { stdio: ['ignore', childEnd, 'inherit'] });
  childEnd.destroy();
  const [result] = await Promise.all([drain(source, 0, 7), once(child, 'exit')]);
  source.destroy();
  expect(result.digest).toBe(digest);
});

test('no pooled socket on Windows', async () => {
  expect(await PooledSocketSource.open(dir, 'win32')).toBeUndefined();
});

test('readableChunks: a stream as chunks, with pause and resume', async () => {
  const s = new PassThrough();
  const source = readableChunks(s);
  const out: string[] = [];
  const ended = new Promise<void>((resolve, reject) =>
    source.start({
      chunk(data, release) {
        out.push(data.toString());
        release();
        if (out.length === 1) {
          setTimeout(() => source.resume(), 5);
          return false;
        }
        return true;
      },
      end: () => resolve(),
      error: reject,
    }),
  );
  s.write('a');
  s.write('b');
  s.end('c');
  await ended;
  expect(out.join('')).toBe('abc');
});

// /proc/self is a directory, but nothing can bind a socket file in it (Linux only).
(process.platform === 'linux' ? test : test.skip)(
  'a directory where no socket can be made: undefined, so the caller reads a pipe',
  async () => {
    expect(await PooledSocketSource.open('/proc/self', 'linux')).toBeUndefined();
  },
);
