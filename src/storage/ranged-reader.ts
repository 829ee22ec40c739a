import { Readable } from 'node:stream';

import { StorageError } from '../errors.js';
import type { ChunkHandlers, ChunkSource, Lender } from '../util/chunks.js';

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
   * With `into` (`count` bytes, when lent), copy the body there as it arrives and return it.
   */
  fetchRange: (
    offset: number,
    count: number,
    signal: AbortSignal,
    into?: Buffer,
  ) => Promise<Buffer | Buffer[]>;
}

/**
 * An object as one stream of consecutive `partSize` ranges: up to `concurrency` fetched ahead of
 * the consumer, emitted strictly in order. Memory stays near (concurrency + 1) × partSize. A
 * range that fails, or comes back with the wrong length, errors the stream (it never ends short)
 * and aborts the fetches still in flight; so does destroying the stream.
 *
 * Lent (see Lender), each range is read into one of `concurrency` reused buffers (at least 2, so
 * one downloads while the consumer holds another): memory is concurrency × partSize at most.
 */
export function createRangedReader(options: RangedReaderOptions): Readable & Lender {
  return new RangedReader(options);
}

interface LentState {
  handlers?: ChunkHandlers;
  paused: boolean;
  failed: boolean;
  ended: boolean;
}

interface Range {
  offset: number;
  count: number;
  data: Promise<Buffer[]>;
  /** The lent buffer the range is read into. */
  slot?: Buffer;
}

class RangedReader extends Readable implements Lender {
  private readonly ahead: Range[] = [];
  private readonly stop = new AbortController();
  /** What every fetch gets: the caller's signal and our own stop, held for the stream's life. */
  private readonly signal: AbortSignal;
  private first: Buffer[] | undefined;
  private offset: number;
  private pumping = false;
  /** Set by lend(): then the chunk pump runs instead of _read. */
  private lent?: LentState;
  private readonly freeSlots: Buffer[] = [];
  private slotsMade = 0;

  constructor(private readonly options: RangedReaderOptions) {
    super();
    if (!(options.partSize >= 1)) throw new RangeError(`partSize ${options.partSize} is below 1`);
    const { signal } = options;
    this.signal = signal ? AbortSignal.any([signal, this.stop.signal]) : this.stop.signal;
    this.first = buffers(options.first ?? []);
    this.offset = byteLength(this.first);
  }

  override _read(): void {
    if (!this.pumping && !this.lent) void this.pump();
  }

  lend(): ChunkSource {
    if (this.lent || this.readableDidRead) throw new Error('lend() after reading began');
    const lent: LentState = { paused: false, failed: false, ended: false };
    this.lent = lent;
    // An error from now on goes to the handlers (once), not to 'error' listeners.
    this.on('error', () => undefined);
    return {
      start: (handlers) => {
        lent.handlers = handlers;
        void this.lendPump();
      },
      resume: () => {
        lent.paused = false;
        void this.lendPump();
      },
    };
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.stop.abort(err ?? new Error('download stream destroyed'));
    const lent = this.lent;
    if (lent?.handlers && !lent.failed) {
      lent.failed = true;
      lent.handlers.error(err ?? new Error('download stream destroyed'));
    }
    cb(err);
  }

  /** The lent counterpart of pump: ranges go out as chunks of their slots, in order. */
  private async lendPump(): Promise<void> {
    const lent = this.lent!;
    const h = lent.handlers;
    if (!h || this.pumping || lent.paused || lent.ended || this.destroyed) return;
    this.pumping = true;
    try {
      const first = this.first;
      this.first = undefined;
      for (const b of first ?? []) if (b.length > 0 && !h.chunk(b, noop)) lent.paused = true;
      while (!lent.paused) {
        this.refill();
        const range = this.ahead.shift();
        if (!range) {
          // Every slot is still held by the consumer: a release starts this pump again.
          if (this.offset < this.options.total) return;
          lent.ended = true; // releases still to come must not end it again
          h.end();
          return;
        }
        const data = await range.data;
        if (this.destroyed) return;
        this.checkLength(range, data);
        const release = this.releaser(range.slot, data.length);
        for (const b of data) if (!h.chunk(b, release)) lent.paused = true;
        if (data.length === 0) release();
      }
    } catch (err) {
      this.destroy(err as Error);
    } finally {
      this.pumping = false;
    }
  }

  /** A release for each of `parts` chunks; the slot is free again after the last. */
  private releaser(slot: Buffer | undefined, parts: number): () => void {
    let left = Math.max(1, parts);
    return () => {
      if (--left !== 0 || !slot) return;
      this.freeSlots.push(slot);
      if (this.destroyed) return;
      this.refill();
      void this.lendPump();
    };
  }

  /** A buffer to read the next range into, while fewer than `concurrency` exist. */
  private takeSlot(): Buffer | undefined {
    const made = this.freeSlots.pop();
    if (made) return made;
    if (this.slotsMade >= Math.max(2, this.options.concurrency)) return undefined;
    this.slotsMade++;
    return Buffer.allocUnsafeSlow(Math.min(this.options.partSize, this.options.total));
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
        this.checkLength(range, data);
        this.refill(); // the next range starts while this one is handed over
        if (!this.hand(data)) return;
      }
    } catch (err) {
      this.destroy(err as Error);
    } finally {
      this.pumping = false;
    }
  }

  private checkLength(range: Range, data: Buffer[]): void {
    const got = byteLength(data);
    if (got !== range.count) {
      throw new StorageError(
        `the range of ${range.count} bytes at ${range.offset} came back with ${got} bytes`,
      );
    }
  }

  /**
   * Start fetches until `concurrency` are ahead of the consumer or the object is covered; lent,
   * also only while a slot is free.
   */
  private refill(): void {
    const { total, partSize, concurrency, fetchRange } = this.options;
    while (this.ahead.length < Math.max(1, concurrency) && this.offset < total) {
      const slot = this.lent ? this.takeSlot() : undefined;
      if (this.lent && !slot) return;
      const offset = this.offset;
      const count = Math.min(partSize, total - offset);
      const into = slot?.subarray(0, count);
      const data = (async () => buffers(await fetchRange(offset, count, this.signal, into)))();
      data.catch(() => undefined); // a rejection surfaces when awaited in order, or not at all
      this.ahead.push({ offset, count, data, slot });
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

const noop = (): void => undefined;

function buffers(data: Buffer | Buffer[]): Buffer[] {
  return Array.isArray(data) ? data : [data];
}

function byteLength(data: Buffer[]): number {
  return data.reduce((n, b) => n + b.length, 0);
}
