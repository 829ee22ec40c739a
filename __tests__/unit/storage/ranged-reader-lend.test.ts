import { createRangedReader } from '../../../src/storage/ranged-reader.js';
import type { ChunkHandlers } from '../../../src/util/chunks.js';

const byteAt = (i: number): number => (i * 7 + (i >> 8)) & 0xff;
const object = (size: number): Buffer =>
  Buffer.from(Array.from({ length: size }, (_, i) => byteAt(i)));
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Call {
  offset: number;
  count: number;
  into?: Buffer;
  signal: AbortSignal;
  settled: boolean;
  resolve(): void;
  reject(err: Error): void;
}

/** A fetchRange that writes into the lent buffer (as the backends do) when the test says so. */
function lentFetch(size: number): {
  calls: Call[];
  fetchRange: Parameters<typeof createRangedReader>[0]['fetchRange'];
} {
  const data = object(size);
  const calls: Call[] = [];
  return {
    calls,
    fetchRange: (offset, count, signal, into) =>
      new Promise<Buffer>((resolve, reject) => {
        const call: Call = {
          offset,
          count,
          into,
          signal,
          settled: false,
          resolve: () => {
            call.settled = true;
            const bytes = data.subarray(offset, offset + count);
            if (!into) return resolve(Buffer.from(bytes));
            bytes.copy(into);
            resolve(into);
          },
          reject: (err) => {
            call.settled = true;
            reject(err);
          },
        };
        calls.push(call);
      }),
  };
}

/** Handlers that record chunks (copied, as the consumer saw them) and keep their releases. */
function recorder(opts: { pauseAfter?: number } = {}): ChunkHandlers & {
  seen: Buffer[];
  held: { data: Buffer; copy: Buffer; release: () => void }[];
  ended: boolean;
  ends: number;
  errors: Error[];
} {
  const r = {
    seen: [] as Buffer[],
    held: [] as { data: Buffer; copy: Buffer; release: () => void }[],
    ended: false,
    ends: 0,
    errors: [] as Error[],
    chunk(data: Buffer, release: () => void): boolean {
      const copy = Buffer.from(data);
      r.seen.push(copy);
      r.held.push({ data, copy, release });
      return opts.pauseAfter === undefined || r.seen.length < opts.pauseAfter;
    },
    end() {
      r.ended = true;
      r.ends++;
    },
    error(err: Error) {
      r.errors.push(err);
    },
  };
  return r;
}

const releaseAll = (r: ReturnType<typeof recorder>): void => {
  for (const h of r.held.splice(0)) h.release();
};

describe('createRangedReader lent', () => {
  test('delivers every byte in order, reading ranges into at most `concurrency` reused buffers', async () => {
    const part = 100;
    const size = 12 * part + 37;
    const { calls, fetchRange } = lentFetch(size);
    const first = object(size).subarray(0, part);
    const reader = createRangedReader({
      total: size,
      first,
      partSize: part,
      concurrency: 3,
      fetchRange,
    });
    const r = recorder();
    reader.lend().start(r);
    for (let round = 0; round < 100 && !r.ended; round++) {
      await tick();
      // The newest open call first, so ranges complete out of order.
      const open = calls.filter((c) => !c.settled);
      open[open.length - 1]?.resolve();
      await tick();
      releaseAll(r);
    }
    expect(r.ended).toBe(true);
    expect(r.errors).toEqual([]);
    expect(Buffer.concat(r.seen)).toEqual(object(size));
    // Releases after the end (the last chunks are still held then) must not end it again.
    releaseAll(r);
    await tick();
    expect(r.ends).toBe(1);
    expect(calls.every((c) => c.into?.length === c.count)).toBe(true);
    const slots = new Set(calls.map((c) => c.into!.buffer));
    expect(slots.size).toBeLessThanOrEqual(3);
    expect(calls.length).toBeGreaterThan(slots.size); // reused, not allocated per range
  });

  test('a held chunk keeps its buffer: no fetch reuses it, and fetching stops at `concurrency` buffers', async () => {
    const part = 50;
    const size = 10 * part;
    const { calls, fetchRange } = lentFetch(size);
    const reader = createRangedReader({ total: size, partSize: part, concurrency: 2, fetchRange });
    const r = recorder();
    reader.lend().start(r);
    for (let round = 0; round < 20; round++) {
      await tick();
      calls.filter((c) => !c.settled).forEach((c) => c.resolve());
    }
    // Nothing released: two buffers, both held or filled, and no third fetch.
    expect(calls).toHaveLength(2);
    expect(r.held.map((h) => h.data.equals(h.copy))).toEqual([true, true]);
    // Releasing the first frees its buffer for exactly one more range.
    r.held.shift()!.release();
    await tick();
    expect(calls).toHaveLength(3);
    expect(calls[2]!.into!.buffer).toBe(calls[0]!.into!.buffer);
    expect(r.held[0]!.data.equals(r.held[0]!.copy)).toBe(true);
    reader.destroy();
  });

  test('pauses when a chunk asks to, and resumes on resume()', async () => {
    const part = 10;
    const size = 6 * part;
    const { calls, fetchRange } = lentFetch(size);
    const reader = createRangedReader({ total: size, partSize: part, concurrency: 6, fetchRange });
    const r = recorder({ pauseAfter: 2 });
    const source = reader.lend();
    source.start(r);
    for (let round = 0; round < 10; round++) {
      await tick();
      calls.filter((c) => !c.settled).forEach((c) => c.resolve());
      releaseAll(r);
    }
    expect(r.seen).toHaveLength(2);
    source.resume();
    for (let round = 0; round < 10 && !r.ended; round++) {
      await tick();
      calls.filter((c) => !c.settled).forEach((c) => c.resolve());
      releaseAll(r);
      source.resume();
    }
    expect(r.ended).toBe(true);
    expect(Buffer.concat(r.seen)).toEqual(object(size));
  });

  test('a failed range reports one error after the bytes before it and aborts the rest', async () => {
    const part = 10;
    const size = 5 * part;
    const { calls, fetchRange } = lentFetch(size);
    const reader = createRangedReader({ total: size, partSize: part, concurrency: 5, fetchRange });
    const r = recorder();
    reader.lend().start(r);
    await tick();
    calls[0]!.resolve();
    calls[1]!.reject(new Error('range broke'));
    for (let i = 0; i < 5; i++) await tick();
    expect(Buffer.concat(r.seen)).toEqual(object(size).subarray(0, part));
    expect(r.errors.map((e) => e.message)).toEqual(['range broke']);
    expect(r.ended).toBe(false);
    expect(calls.slice(2).every((c) => c.signal.aborted)).toBe(true);
  });

  test('destroying it reports the reason once and aborts the fetches in flight', async () => {
    const { calls, fetchRange } = lentFetch(100);
    const reader = createRangedReader({ total: 100, partSize: 10, concurrency: 3, fetchRange });
    const r = recorder();
    reader.lend().start(r);
    await tick();
    reader.destroy(new Error('refused'));
    await tick();
    expect(r.errors.map((e) => e.message)).toEqual(['refused']);
    expect(calls.every((c) => c.signal.aborted)).toBe(true);
  });

  test('cannot be lent once reading began', async () => {
    const { fetchRange } = lentFetch(10);
    const reader = createRangedReader({
      total: 10,
      first: object(10),
      partSize: 10,
      concurrency: 1,
      fetchRange,
    });
    reader.read();
    await tick();
    expect(() => reader.lend()).toThrow(/after reading began/);
  });
});
