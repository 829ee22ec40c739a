import { Readable } from 'node:stream';

import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Backend, ObjectInfo } from '../storage/backend.js';

/**
 * Last use of an entry, for `prune --unused-for` and eviction by size. Each entry may have one
 * tiny marker object beside its manifest, `<scope>/<version>/used/<key>`; the store's
 * lastModified of that marker is the entry's last restore, to the day. `prune` reads it from
 * the listing it makes anyway, so knowing every entry's last use costs no extra request there.
 *
 * On the restore path the cost is one small HEAD of the marker, started as soon as the entry is
 * known so it overlaps the download, plus at most one PUT of ~60 bytes per entry per UTC day,
 * after the restore succeeded. Both are bounded by a short deadline and never fail the restore:
 * a lost marker only makes an entry look less recently used.
 */

/** How long the marker write may take before it is given up; the restore has already succeeded. */
export const UseRecordTimeoutMs = 5_000;

/** The usage marker of the entry whose manifest is `manifestName`. */
export function usageMarkerName(manifestName: string): string {
  const cut = manifestName.lastIndexOf('/keys/');
  if (cut === -1) throw new Error(`not a manifest name: ${manifestName}`);
  return `${manifestName.slice(0, cut)}/used/${manifestName.slice(cut + '/keys/'.length)}`;
}

export type UseOutcome =
  /** The marker was written now. */
  | 'recorded'
  /** Today's marker was there already: nothing written. */
  | 'current'
  /** The store failed or was too slow; the entry's last use is as it was. */
  | 'failed';

export interface UseTracker {
  /**
   * Call once the restore succeeded: writes today's marker unless it exists. Never rejects and
   * settles within the deadline.
   */
  record(): Promise<UseOutcome>;
}

export interface TrackUseOptions {
  now?: () => Date;
  timeoutMs?: number;
  logger?: Pick<Logger, 'debug'>;
}

/**
 * Starts looking up the entry's marker now, so the lookup overlaps whatever the restore does
 * next; `record()` then writes the marker only if it is not from today.
 */
export function trackUse(
  backend: Backend,
  manifestName: string,
  opts: TrackUseOptions = {},
): UseTracker {
  const marker = usageMarkerName(manifestName);
  const now = opts.now ?? ((): Date => new Date());
  const timeoutMs = opts.timeoutMs ?? UseRecordTimeoutMs;
  const debug = (m: string): void => opts.logger?.debug(m);
  const existing: Promise<ObjectInfo | undefined | Error> = backend
    .stat(marker)
    .catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
  return {
    async record(): Promise<UseOutcome> {
      const deadline = AbortSignal.timeout(timeoutMs);
      try {
        const found = await untilAborted(existing, deadline);
        if (found instanceof Error) throw found;
        const at = now();
        if (found && sameUtcDay(found.lastModified, at)) return 'current';
        const body = Buffer.from(`${JSON.stringify({ v: 1, usedAt: at.toISOString() })}\n`);
        await backend.put(marker, Readable.from([body]), { size: body.length, signal: deadline });
        debug(`recorded the use of ${manifestName} in ${marker}`);
        return 'recorded';
      } catch (err) {
        const why = deadline.aborted ? `no answer within ${timeoutMs} ms` : errorMessage(err);
        debug(`could not record the use of ${manifestName}: ${why}`);
        return 'failed';
      }
    },
  };
}

/** One-shot form of trackUse, for callers with nothing to overlap the lookup with. */
export function recordUse(
  backend: Backend,
  manifestName: string,
  opts: TrackUseOptions = {},
): Promise<UseOutcome> {
  return trackUse(backend, manifestName, opts).record();
}

export function sameUtcDay(a: Date, b: Date): boolean {
  return a.toISOString().slice(0, 10) === b.toISOString().slice(0, 10);
}

function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
