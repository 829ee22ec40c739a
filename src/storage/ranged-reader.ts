import { Readable } from 'node:stream';

import { StorageError } from '../errors.js';

export interface RangedReaderOptions {
  /** Size of the whole object in bytes. */
  total: number;
  /** Bytes from offset 0 already in hand (the request that learned `total`); emitted first. */
  first?: Buffer | Buffer[];
  /** Bytes per range; the last range may be shorter. */
  partSize: number;
  /** Ranges in flight at most. */
  concurrency: number;
  /** The caller's cancel or deadline: every fetch gets a signal that follows it. */
  signal?: AbortSignal;
  /**
   * Fetch exactly `count` bytes at `offset`. `signal` also fires when the stream is destroyed,
   * so a fetch still in flight stops at once. Errors reach the consumer as thrown, in order.
   */
  fetchRange: (offset: number, count: number, signal: AbortSignal) => Promise<Buffer | Buffer[]>;
}

/**
 * An object as one stream of consecutive `partSize` ranges: up to `concurrency` fetched ahead of
 * the consumer, emitted strictly in order. Memory stays near (concurrency + 1) × partSize. A
 * range that fails, or comes back with the wrong length, errors the stream (it never ends short)
 * and aborts the fetches still in flight; so does destroying the stream.
 */
export function createRangedReader(options: RangedReaderOptions): Readable {
  return new RangedReader(options);
}

class RangedReader extends Readable {
  private readonly ahead: { offset: number; count: number; data: Promise<Buffer[]> }[] = [];
  private readonly stop = new AbortController();
  /** What every fetch gets: the caller's signal and our own stop, held for the stream's life. */
  private readonly signal: AbortSignal;
  private first: Buffer[] | undefined;
  private offset: number;
  private pumping = false;

  constructor(private readonly options: RangedReaderOptions) {
    super();
    if (!(options.partSize >= 1)) throw new RangeError(`partSize ${options.partSize} is below 1`);
    const { signal } = options;
    this.signal = signal ? AbortSignal.any([signal, this.stop.signal]) : this.stop.signal;
    this.first = buffers(options.first ?? []);
    this.offset = byteLength(this.first);
  }

  override _read(): void {
    if (!this.pumping) void this.pump();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.stop.abort(err ?? new Error('download stream destroyed'));
    cb(err);
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      this.refill();
      const first = this.first;
      this.first = undefined;
      if (first && !this.hand(first)) return;
      for (;;) {
        const range = this.ahead.shift();
        if (!range) {
          this.push(null);
          return;
        }
        const data = await range.data;
        if (this.destroyed) return;
        const got = byteLength(data);
        if (got !== range.count) {
          throw new StorageError(
            `the range of ${range.count} bytes at ${range.offset} came back with ${got} bytes`,
          );
        }
        this.refill(); // the next range starts while this one is handed over
        if (!this.hand(data)) return;
      }
    } catch (err) {
      this.destroy(err as Error);
    } finally {
      this.pumping = false;
    }
  }

  /** Start fetches until `concurrency` are ahead of the consumer or the object is covered. */
  private refill(): void {
    const { total, partSize, concurrency, fetchRange } = this.options;
    while (this.ahead.length < Math.max(1, concurrency) && this.offset < total) {
      const offset = this.offset;
      const count = Math.min(partSize, total - offset);
      const data = (async () => buffers(await fetchRange(offset, count, this.signal)))();
      data.catch(() => undefined); // a rejection surfaces when awaited in order, or not at all
      this.ahead.push({ offset, count, data });
      this.offset += count;
    }
  }

  /** Push every buffer of a range, already in memory; false once the consumer wants no more. */
  private hand(data: Buffer[]): boolean {
    let more = true;
    for (const b of data) if (b.length > 0) more = this.push(b);
    return more;
  }
}

function buffers(data: Buffer | Buffer[]): Buffer[] {
  return Array.isArray(data) ? data : [data];
}

function byteLength(data: Buffer[]): number {
  return data.reduce((n, b) => n + b.length, 0);
}
