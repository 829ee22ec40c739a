import { errorMessage, NotFoundError, UnsafeArchiveError, UnusableEntryError } from '../errors.js';
import type { Logger } from '../logger.js';
import { describeScope, type ScopeName } from './layout.js';
import type { UnusableEntry } from './unusable.js';

/** How many matching entries one restore tries before it gives up (design.md §3). */
export const MaxCandidates = 3;

/**
 * A problem of the entry itself (bad manifest, corrupt, truncated or refused archive, archive or
 * manifest gone): another entry may be fine. Storage failures, timeouts and cancellation are
 * not, and trying more entries would only multiply them.
 */
export function isEntryProblem(err: unknown): boolean {
  return err instanceof UnsafeArchiveError || err instanceof NotFoundError;
}

export interface FallThrough<R> {
  result: R;
  /** The primary key's own entry, refused on the way: the next save may replace it. */
  unusable?: UnusableEntry;
}

/**
 * Tries `attempt` on the candidates in order until one succeeds, at most `MaxCandidates` of
 * them. A refused entry is a warning naming its key and the reason, and the next candidate is
 * tried; any other failure ends the restore at once. When every candidate tried was refused, the
 * last refusal is thrown (the run layer reports it and treats it as a miss), as an
 * UnusableEntryError when the primary key's own entry was among them. Undefined: no candidates.
 */
export async function firstUsable<M extends Match, R>(
  candidates: AsyncIterable<M>,
  attempt: (m: M) => Promise<R>,
  opts: {
    logger: Logger;
    /** The hand-over record when `m` is this run's own entry of the primary key. */
    ownEntry: (m: M) => UnusableEntry | undefined;
    signal?: AbortSignal;
  },
): Promise<FallThrough<R> | undefined> {
  let refused: { match: M; err: unknown } | undefined;
  let unusable: UnusableEntry | undefined;
  let tries = 0;
  for await (const m of candidates) {
    if (refused) {
      opts.logger.warning(`${describe(refused.match, refused.err)}; trying the next match.`);
    }
    tries += 1;
    try {
      return { result: await attempt(m), unusable };
    } catch (err) {
      if (!isEntryProblem(err) || opts.signal?.aborted) throw err;
      unusable ??= opts.ownEntry(m);
      refused = { match: m, err };
    }
    if (tries >= MaxCandidates) break;
  }
  if (!refused) return undefined;
  const tried = tries > 1 ? ` (${tries} matching entries tried, none usable)` : '';
  const last = new UnsafeArchiveError(`${describe(refused.match, refused.err)}${tried}`, {
    cause: refused.err,
  });
  throw unusable ? new UnusableEntryError(unusable, last) : last;
}

/** What a candidate must tell about itself (a KeyMatch, or a path-less IndexedMatch). */
interface Match {
  key: string;
  scope: ScopeName;
}

function describe(m: Match, err: unknown): string {
  return `cache entry for key ${m.key} (${describeScope(m.scope)}) is unusable: ${errorMessage(err)}`;
}
