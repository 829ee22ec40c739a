import { createHash } from 'node:crypto';
import { Transform, type TransformCallback, type Writable } from 'node:stream';

import { TimeoutError } from '../errors.js';
import type { TransferSettings } from '../settings.js';
import type { ChunkSource } from '../util/chunks.js';

/** Counts and hashes the bytes flowing through, and reports progress to a watchdog. */
export class HashCounter extends Transform {
  bytes = 0;
  /** The source ended: every byte of it passed through here. */
  sourceEnded = false;
  private readonly hash = createHash('sha256');

  constructor(private readonly onProgress: () => void = () => {}) {
    super();
  }

  /** Counts and hashes one chunk that goes on by other means than this stream. */
  count(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    this.onProgress();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.count(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.sourceEnded = true;
    cb();
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/**
 * `pipeline(source, counter, sink)` for lent chunks: each is counted and hashed, written to
 * `sink`, and released by the sink's write callback (which ForwardingInput fires once the bytes
 * went on). Resolves when the sink finished; on any failure or abort both ends are destroyed.
 */
export function lendThrough(
  source: ChunkSource,
  stopSource: (err: Error) => void,
  counter: HashCounter,
  sink: Writable,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (err?: Error): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      sink.off('drain', onDrain);
      if (!err) return resolve();
      stopSource(err);
      if (!sink.destroyed) sink.destroy(err);
      reject(err);
    };
    const onAbort = (): void => settle(signal.reason as Error);
    const onDrain = (): void => source.resume();
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    sink.on('drain', onDrain);
    sink.once('finish', () => settle());
    sink.once('error', (err) => settle(err));
    sink.once('close', () => settle(new Error('the extraction stopped reading')));
    source.start({
      chunk(data, release) {
        if (settled) {
          release();
          return false;
        }
        counter.count(data);
        return sink.write(data, () => release());
      },
      end() {
        counter.sourceEnded = true;
        sink.end();
      },
      error: (err) => settle(err),
    });
  });
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
