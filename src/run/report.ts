import * as core from '@actions/core';

import { Inputs } from '../constants.js';
import type { ValidationError } from '../errors.js';
import { errorMessage } from '../errors.js';
import { cacheFailureMessage } from './failure-text.js';

/** A configuration error: fails the step with an annotation naming the input. */
export function failWithValidation(err: ValidationError): void {
  core.setFailed(err.input ? `${err.message} (input: ${err.input})` : err.message);
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
