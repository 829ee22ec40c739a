import type { Readable } from 'node:stream';

import { TimeoutError } from '../errors.js';
import { BodyCollector } from '../util/chunks.js';

// What both S3 backends share, kept free of the SDK: the lookup backend must not load it.

/** Tries per request (the SDK's retries), and per range whose body breaks off (ours). */
export const MAX_ATTEMPTS = 4;

/**
 * Read a response body of exactly `length` bytes (into `into` when given): a body that ends
 * short or runs long throws.
 */
export async function readExactly(
  body: Readable,
  length: number,
  /** Bytes of this body received so far. */
  onData: (position: number) => void,
  into?: Buffer,
): Promise<Buffer[]> {
  const got = new BodyCollector(length, into);
  for await (const chunk of body as AsyncIterable<Buffer>) {
    const fits = got.add(chunk);
    onData(got.received);
    if (!fits) break;
  }
  if (got.received !== length) {
    body.destroy();
    throw new Error(
      `response body had ${got.received > length ? 'more' : 'only ' + got.received} bytes of ${length}`,
    );
  }
  return got.result();
}

/** An AbortSignal that follows `outer` and fires on its own after `timeoutMs` (0: never). */
export function linkedSignal(
  outer: AbortSignal | undefined,
  timeoutMs: number,
): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const abort = (reason: unknown): void => {
    if (!ac.signal.aborted) ac.abort(reason);
  };
  const onOuter = (): void => abort(outer?.reason);
  if (outer?.aborted) onOuter();
  outer?.addEventListener('abort', onOuter, { once: true });
  const timer =
    timeoutMs > 0
      ? setTimeout(
          () => abort(new TimeoutError(`S3 transfer ran past its ${timeoutMs / 1000} s deadline`)),
          timeoutMs,
        )
      : undefined;
  timer?.unref();
  return {
    signal: ac.signal,
    dispose: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuter);
    },
  };
}
