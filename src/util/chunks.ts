import type { Readable } from 'node:stream';

/** Receives a source's chunks in order. */
export interface ChunkHandlers {
  /**
   * One chunk; call `release` once nothing refers to its bytes any more (the writes that carry
   * them have finished). Return false to pause the source until `resume()`.
   */
  chunk(data: Buffer, release: () => void): boolean;
  end(): void;
  error(err: Error): void;
}

/** A byte stream delivered as chunks that the consumer hands back. */
export interface ChunkSource {
  start(handlers: ChunkHandlers): void;
  /** Undoes a pause asked for by returning false from `chunk`. */
  resume(): void;
}

const noop = (): void => undefined;

/** A Readable as a ChunkSource; its chunks are the stream's own and need no release. */
export function readableChunks(readable: Readable): ChunkSource {
  return {
    start(h) {
      readable.on('data', (b: Buffer) => {
        if (!h.chunk(b, noop)) readable.pause();
      });
      readable.once('end', () => h.end());
      readable.once('error', (err) => h.error(err));
    },
    resume: () => readable.resume(),
  };
}

/**
 * A download that can lend its bytes instead of handing out fresh buffers: `lend()` (called
 * before anything was read) delivers the same bytes as the stream would, as chunks backed by a
 * fixed set of reused buffers, each valid until released. Nothing then piles up for the
 * garbage collector, and memory stays at the set's size.
 */
export interface Lender {
  lend(): ChunkSource;
}

export function isLender(value: unknown): value is Lender {
  return typeof (value as Partial<Lender>).lend === 'function';
}

/**
 * Gathers one response body of `length` bytes: copied into `into` as it arrives when a buffer
 * is lent (so the socket's chunks die young), else kept as received (no copy, so a range costs
 * its size once).
 */
export class BodyCollector {
  private readonly chunks: Buffer[] = [];
  /** Bytes received so far, also those beyond `length`. */
  received = 0;

  constructor(
    private readonly length: number,
    private readonly into?: Buffer,
  ) {}

  /** Takes one chunk; false once more than `length` bytes arrived (the excess is dropped). */
  add(chunk: Buffer): boolean {
    const at = this.received;
    this.received += chunk.length;
    if (this.received > this.length) return false;
    if (this.into) chunk.copy(this.into, at);
    else this.chunks.push(chunk);
    return true;
  }

  result(): Buffer[] {
    return this.into ? [this.into.subarray(0, this.received)] : this.chunks;
  }
}
