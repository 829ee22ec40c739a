import { errorMessage, StorageError, TimeoutError, UnsafeArchiveError } from '../errors.js';

// Failure wording shared by the action (report.ts) and the CLI, with no @actions/core in reach.

/** The message and, for storage failures, what to change. */
export function describeFailure(err: unknown): string {
  if (err instanceof StorageError && err.hint) return `${err.message}. Fix: ${err.hint}`;
  if (err instanceof TimeoutError) {
    return `${err.message}. The store may be unreachable or very slow; raise stall-timeout or timeout if transfers are legitimately slow.`;
  }
  return errorMessage(err);
}

/** What failed, why, and what to change: the same words in the action and the CLI. */
export function cacheFailureMessage(what: 'restore' | 'save', err: unknown): string {
  const prefix =
    err instanceof UnsafeArchiveError
      ? 'refused a corrupt or unsafe cache entry'
      : `cache ${what} failed`;
  return `${prefix}: ${describeFailure(err)}`;
}
