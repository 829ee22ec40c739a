import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

import { TimeoutError } from '../errors.js';
import type { TransferSettings } from '../settings.js';

/** Counts and hashes the bytes flowing through, and reports progress to a watchdog. */
export class HashCounter extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');

  constructor(private readonly onProgress: () => void = () => {}) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    this.onProgress();
    cb(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

export interface TransferWatch {
  /** Aborted on stall or deadline, with a TimeoutError as the reason. */
  signal: AbortSignal;
  /** Call whenever bytes move. */
  progress: () => void;
  /** Stop the timers; call in finally. */
  stop: () => void;
}

/**
 * A stall timeout (no bytes for stallTimeoutMs) and an overall deadline for one transfer. The
 * signal goes to the backend and to the local stream so a hung connection cannot hang the job.
 */
export function watchTransfer(
  what: string,
  t: Pick<TransferSettings, 'stallTimeoutMs' | 'timeoutMs' | 'timeoutName'>,
): TransferWatch {
  const ac = new AbortController();
  let last = Date.now();
  const stall = setInterval(
    () => {
      if (Date.now() - last >= t.stallTimeoutMs) {
        ac.abort(
          new TimeoutError(
            `${what} made no progress for ${Math.round(t.stallTimeoutMs / 1000)} s (stall-timeout)`,
          ),
        );
      }
    },
    Math.min(1000, t.stallTimeoutMs),
  );
  const deadline =
    t.timeoutMs > 0
      ? setTimeout(
          () =>
            ac.abort(
              new TimeoutError(
                `${what} did not finish within ${Math.round(t.timeoutMs / 1000)} s (${t.timeoutName ?? 'timeout'})`,
              ),
            ),
          t.timeoutMs,
        )
      : undefined;
  stall.unref();
  deadline?.unref();
  return {
    signal: ac.signal,
    progress: () => {
      last = Date.now();
    },
    stop: () => {
      clearInterval(stall);
      if (deadline) clearTimeout(deadline);
    },
  };
}
