import { Transform } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/** How the test proxy's link behaves; an undefined field is unshaped. */
export interface LinkShape {
  /** Bandwidth of each direction, shared by all connections in that direction. */
  bytesPerSecond?: number;
  /** Added once to every request, before it is forwarded or answered. */
  latencyMs?: number;
}

/**
 * One direction of a link: a token bucket that paces the bytes of every connection through it.
 * Bytes are granted in arrival order at `bytesPerSecond`; an idle link may send a small burst at
 * once (like a real interface's queue), so a single chunk never waits for its own length twice.
 */
export class LinkDirection {
  /** When the bytes granted so far will have left the link (performance.now() time). */
  private busyUntil = 0;

  constructor(private rate: number | undefined) {}

  get bytesPerSecond(): number | undefined {
    return this.rate;
  }

  set bytesPerSecond(rate: number | undefined) {
    if (rate !== undefined && !(rate > 0)) throw new Error(`bytesPerSecond must be > 0: ${rate}`);
    this.rate = rate;
    this.busyUntil = 0;
  }

  /** Resolves when `bytes` may be sent. */
  async take(bytes: number): Promise<void> {
    const rate = this.rate;
    if (rate === undefined || bytes === 0) return;
    const now = performance.now();
    const burstMs = (BurstBytes / rate) * 1000;
    this.busyUntil = Math.max(this.busyUntil, now) + (bytes / rate) * 1000;
    const wait = this.busyUntil - burstMs - now;
    if (wait > 0) await sleep(wait);
  }

  /** A pass-through stream that paces what flows through it; undefined when unshaped. */
  throttle(): Transform | undefined {
    if (this.rate === undefined) return undefined;
    return new Transform({
      transform: (chunk: Buffer, _enc, done) => {
        this.take(chunk.length).then(() => done(null, chunk), done);
      },
    });
  }
}

/** What an idle link may send without pacing: about one TCP window. */
const BurstBytes = 64 * 1024;
