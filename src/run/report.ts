import * as core from '@actions/core';

import { Inputs } from '../constants.js';
import type { ValidationError } from '../errors.js';
import { errorMessage, StorageError, TimeoutError, UnsafeArchiveError } from '../errors.js';

/** The message and, for storage failures, what to change. */
export function describeFailure(err: unknown): string {
  if (err instanceof StorageError && err.hint) return `${err.message}. Fix: ${err.hint}`;
  if (err instanceof TimeoutError) {
    return `${err.message}. The store may be unreachable or very slow; raise stall-timeout or timeout if transfers are legitimately slow.`;
  }
  return errorMessage(err);
}

/** A configuration error: fails the step with an annotation naming the input. */
export function failWithValidation(err: ValidationError): void {
  core.setFailed(err.input ? `${err.message} (input: ${err.input})` : err.message);
}

/** What failed, why, and what to change: the same words in the action and the CLI. */
export function cacheFailureMessage(what: 'restore' | 'save', err: unknown): string {
  const prefix =
    err instanceof UnsafeArchiveError
      ? 'refused a corrupt or unsafe cache entry'
      : `cache ${what} failed`;
  return `${prefix}: ${describeFailure(err)}`;
}

/**
 * A cache failure: by default a warning with the cause and a fix, and the job goes on; with
 * fail-on-error the same words as an error annotation that fails the step.
 */
export function reportCacheFailure(
  what: 'restore' | 'save',
  err: unknown,
  failOnError: boolean,
): void {
  if (failOnError) {
    core.error(cacheFailureMessage(what, err), { title: `bucket-cache ${what}` });
    core.setFailed(`bucket-cache ${what} failed and ${Inputs.FailOnError} is set.`);
  } else {
    core.warning(cacheFailureMessage(what, err), { title: `bucket-cache ${what}` });
  }
}

/** One row per operation in the job summary, when the runner provides one. */
export async function addSummaryRow(row: {
  operation: string;
  key: string;
  result: string;
  size?: string;
  scope?: string;
}): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  try {
    await core.summary
      .addTable([
        [
          { data: 'bucket-cache', header: true },
          { data: 'key', header: true },
          { data: 'result', header: true },
          { data: 'size', header: true },
          { data: 'scope', header: true },
        ],
        [
          row.operation,
          `<code>${escapeHtml(row.key)}</code>`,
          row.result,
          row.size ?? '',
          row.scope ? escapeHtml(row.scope) : '',
        ],
      ])
      .write();
  } catch (err) {
    core.debug(`could not write the job summary: ${errorMessage(err)}`);
  }
}

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!,
  );
}
