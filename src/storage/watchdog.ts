import { TimeoutError } from '../errors.js';

export interface Watchdog {
  /** Aborted with a TimeoutError on stall or deadline, or with `outer`'s reason. */
  signal: AbortSignal;
  /** Bytes or a page arrived: the stall timer starts over. */
  touch(): void;
  /** Stop the timers; call in finally. */
  dispose(): void;
}

/**
 * One budget for a whole operation, retries included: aborted when nothing arrives for
 * `stallMs`, or after `deadlineMs` (0: no deadline). An SDK retrying a silent endpoint on its
 * own would otherwise spend a stall timeout per try.
 */
export function watchdog(
  what: string,
  stallMs: number,
  deadlineMs: number,
  outer?: AbortSignal,
): Watchdog {
  const ac = new AbortController();
  const abort = (reason: unknown): void => {
    if (!ac.signal.aborted) ac.abort(reason);
  };
  const stall = setTimeout(
    () =>
      abort(new TimeoutError(`${what} made no progress for ${stallMs / 1000} s (stall-timeout)`)),
    stallMs,
  );
  const deadline =
    deadlineMs > 0
      ? setTimeout(
          () =>
            abort(
              new TimeoutError(`${what} ran past its ${deadlineMs / 1000} s deadline (timeout)`),
            ),
          deadlineMs,
        )
      : undefined;
  stall.unref();
  deadline?.unref();
  const onOuter = (): void => abort(outer?.reason);
  if (outer?.aborted) onOuter();
  outer?.addEventListener('abort', onOuter, { once: true });
  return {
    signal: ac.signal,
    touch: () => void (ac.signal.aborted || stall.refresh()),
    dispose: () => {
      clearTimeout(stall);
      clearTimeout(deadline);
      outer?.removeEventListener('abort', onOuter);
    },
  };
}

/**
 * Positions within one body, across its tries, as bytes never seen before: a retry resending or
 * re-reading what an earlier try moved is not progress, or a store that never answers would
 * look alive for every try the SDK makes.
 */
export function newBytes(report: (bytes: number) => void): (position: number) => void {
  let highest = 0;
  return (position) => {
    if (position > highest) report(position - highest);
    highest = Math.max(highest, position);
  };
}
