import { buffer } from 'node:stream/consumers';

import { StorageError } from '../../../src/errors.js';
import {
  createRangedReader,
  type RangedReaderOptions,
} from '../../../src/storage/ranged-reader.js';

/** The byte at `i` of the fake object: a pattern that shows any misplaced or repeated range. */
const byteAt = (i: number): number => (i * 7 + (i >> 8)) & 0xff;
const object = (size: number): Buffer =>
  Buffer.from(Array.from({ length: size }, (_, i) => byteAt(i)));
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Call {
  offset: number;
  count: number;
  signal: AbortSignal;
  resolve(): void;
  reject(err: Error): void;
  settled: boolean;
}

/**
 * A fetchRange whose calls wait until the test settles them, in any order; each resolves with
 * the object's bytes, split in two buffers as a response body would arrive.
 */
function controlledFetch(size: number): {
  calls: Call[];
  inFlight: () => number;
  fetchRange: RangedReaderOptions['fetchRange'];
} {
  const data = object(size);
  const calls: Call[] = [];
  const fetchRange: RangedReaderOptions['fetchRange'] = (offset, count, signal) =>
    new Promise<Buffer[]>((resolve, reject) => {
      const bytes = data.subarray(offset, offset + count);
      const half = Math.floor(count / 2);
      const call: Call = {
        offset,
        count,
        signal,
        settled: false,
        resolve: () => {
          call.settled = true;
          resolve([bytes.subarray(0, half), bytes.subarray(half)]);
        },
        reject: (err) => {
          call.settled = true;
          reject(err);
        },
      };
      calls.push(call);
    });
  return { calls, inFlight: () => calls.filter((c) => !c.settled).length, fetchRange };
}

/** A fetchRange that answers at once from the object's bytes, recording each request. */
function instantFetch(size: number): {
  requests: [number, number][];
  fetchRange: RangedReaderOptions['fetchRange'];
} {
  const data = object(size);
  const requests: [number, number][] = [];
  return {
    requests,
    fetchRange: async (offset, count) => {
      requests.push([offset, count]);
      return data.subarray(offset, offset + count);
    },
  };
}

describe('createRangedReader', () => {
  test('emits ranges in order when they complete out of order', async () => {
    const part = 100;
    const size = 5 * part + 37;
    const { calls, fetchRange } = controlledFetch(size);
    const first = object(size).subarray(0, part);
    const stream = createRangedReader({
      total: size,
      first,
      partSize: part,
      concurrency: 5,
      fetchRange,
    });
    const got = buffer(stream);
    await tick();
    expect(calls.map((c) => c.offset)).toEqual([100, 200, 300, 400, 500]);
    for (const c of [...calls].reverse()) {
      c.resolve();
      await tick();
    }
    expect(await got).toEqual(object(size));
  });

  test('keeps at most `concurrency` fetches in flight, and no more than that ahead of a slow reader', async () => {
    const part = 10;
    const size = 20 * part;
    const { calls, inFlight, fetchRange } = controlledFetch(size);
    const stream = createRangedReader({ total: size, partSize: part, concurrency: 3, fetchRange });
    let peak = 0;
    const received: Buffer[] = [];
    stream.on('data', (b: Buffer) => received.push(b));
    const ended = new Promise((r) => stream.once('end', r));
    // Settle one call at a time, always the newest, so later ranges finish before earlier ones.
    for (let round = 0; round < 200 && !stream.readableEnded; round++) {
      await tick();
      peak = Math.max(peak, inFlight());
      expect(inFlight()).toBeLessThanOrEqual(3);
      const open = calls.filter((c) => !c.settled);
      open[open.length - 1]?.resolve();
    }
    await ended;
    expect(peak).toBe(3);
    expect(Buffer.concat(received)).toEqual(object(size));
    expect(calls.map((c) => [c.offset, c.count])).toEqual(
      Array.from({ length: 20 }, (_, i) => [i * part, part]),
    );

    // A reader that takes nothing: fetches stop at `concurrency` ranges ahead of it. The parts
    // are larger than the stream's 16 KiB highWaterMark, so one handed-over part fills it.
    const big = 32 * 1024;
    const slow = controlledFetch(8 * big);
    const paused = createRangedReader({
      total: 8 * big,
      partSize: big,
      concurrency: 3,
      fetchRange: slow.fetchRange,
    });
    paused.read(0); // start it, as a consumer's first read would
    for (let round = 0; round < 10; round++) {
      await tick();
      slow.calls.filter((c) => !c.settled).forEach((c) => c.resolve());
    }
    // One part in the stream's buffer, three more fetched and held: (concurrency + 1) parts.
    expect(slow.calls).toHaveLength(4);
    expect(paused.readableLength).toBe(big);
    paused.destroy();
  });

  test('the last range is shorter, and a first chunk given as several buffers comes first', async () => {
    const size = 2 * 64 + 5;
    const { requests, fetchRange } = instantFetch(size);
    const whole = object(size);
    const first = [whole.subarray(0, 10), whole.subarray(10, 64)];
    const got = await buffer(
      createRangedReader({ total: size, first, partSize: 64, concurrency: 2, fetchRange }),
    );
    expect(got).toEqual(whole);
    expect(requests).toEqual([
      [64, 64],
      [128, 5],
    ]);
  });

  test('without a first chunk, every range is fetched from offset 0', async () => {
    const { requests, fetchRange } = instantFetch(25);
    const got = await buffer(
      createRangedReader({ total: 25, partSize: 10, concurrency: 4, fetchRange }),
    );
    expect(got).toEqual(object(25));
    expect(requests).toEqual([
      [0, 10],
      [10, 10],
      [20, 5],
    ]);
  });

  test.each([
    ['with an empty first chunk', { first: Buffer.alloc(0) }],
    ['with no first chunk', {}],
  ])('a zero-length object ends at once, %s, fetching nothing', async (_, extra) => {
    const { requests, fetchRange } = instantFetch(0);
    const got = await buffer(
      createRangedReader({ total: 0, partSize: 10, concurrency: 4, fetchRange, ...extra }),
    );
    expect(got.length).toBe(0);
    expect(requests).toEqual([]);
  });

  test('an object held whole in the first chunk needs no fetch', async () => {
    const { requests, fetchRange } = instantFetch(7);
    const got = await buffer(
      createRangedReader({ total: 7, first: object(7), partSize: 10, concurrency: 4, fetchRange }),
    );
    expect(got).toEqual(object(7));
    expect(requests).toEqual([]);
  });

  test('a failed range errors the stream after the bytes before it, stops fetching, aborts the rest', async () => {
    const part = 10;
    const size = 10 * part;
    const { calls, fetchRange } = controlledFetch(size);
    const first = object(size).subarray(0, part);
    const stream = createRangedReader({
      total: size,
      first,
      partSize: part,
      concurrency: 3,
      fetchRange,
    });
    let received = 0;
    stream.on('data', (b: Buffer) => (received += b.length));
    const failed = new Promise<unknown>((r) => stream.once('error', r));
    await tick();
    expect(calls.map((c) => c.offset)).toEqual([10, 20, 30]);
    calls[2]!.resolve(); // a later range done: it must never be emitted
    const boom = new Error('range 20 failed');
    calls[1]!.reject(boom);
    calls[0]!.resolve();
    expect(await failed).toBe(boom);
    expect(received).toBe(2 * part);
    expect(calls).toHaveLength(4); // the refill after range 10; none after the failure
    expect(calls[3]!.signal.aborted).toBe(true);
    await tick();
    expect(calls).toHaveLength(4);
    expect(stream.destroyed).toBe(true);
  });

  test('a fetch that throws before returning a promise errors the stream too', async () => {
    const boom = new Error('no request made');
    const stream = createRangedReader({
      total: 30,
      partSize: 10,
      concurrency: 2,
      fetchRange: () => {
        throw boom;
      },
    });
    await expect(buffer(stream)).rejects.toBe(boom);
  });

  test('a range that comes back short errors the stream instead of ending it short', async () => {
    const stream = createRangedReader({
      total: 30,
      first: object(10),
      partSize: 10,
      concurrency: 2,
      fetchRange: async (offset, count) => object(30).subarray(offset, offset + count - 1),
    });
    let received = 0;
    stream.on('data', (b: Buffer) => (received += b.length));
    const err = await buffer(stream).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toBe('the range of 10 bytes at 10 came back with 9 bytes');
    expect(received).toBe(10);
  });

  test('destroying the stream aborts the fetches in flight and starts no more', async () => {
    const part = 10;
    const size = 10 * part;
    const { calls, fetchRange } = controlledFetch(size);
    const stream = createRangedReader({
      total: size,
      first: object(size).subarray(0, part),
      partSize: part,
      concurrency: 3,
      fetchRange,
    });
    const first = await new Promise<Buffer>((r) => stream.once('data', r));
    expect(first.length).toBe(part);
    await tick();
    expect(calls).toHaveLength(3);
    expect(calls.some((c) => c.signal.aborted)).toBe(false);
    stream.destroy();
    expect(calls.every((c) => c.signal.aborted)).toBe(true);
    expect(calls[0]!.signal.reason).toEqual(new Error('download stream destroyed'));
    calls.forEach((c) => c.resolve());
    await tick();
    expect(calls).toHaveLength(3);
  });

  test("the caller's signal reaches every fetch", async () => {
    const { calls, fetchRange } = controlledFetch(40);
    const outer = new AbortController();
    const stream = createRangedReader({
      total: 40,
      partSize: 10,
      concurrency: 2,
      signal: outer.signal,
      fetchRange,
    });
    stream.resume();
    await tick();
    expect(calls).toHaveLength(2);
    const reason = new Error('job cancelled');
    outer.abort(reason);
    expect(calls.map((c) => c.signal.reason as unknown)).toEqual([reason, reason]);
    stream.destroy();
  });
});
