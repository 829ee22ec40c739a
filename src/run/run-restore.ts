import * as core from '@actions/core';

import { performRestore } from '../cache/operations.js';
import type { RestoreResult } from '../cache/restore-cache.js';
import type { UnusableEntry } from '../cache/unusable.js';
import { Outputs } from '../constants.js';
import { UnusableEntryError, ValidationError } from '../errors.js';
import { formatBytes } from '../logger.js';
import type { Settings } from '../settings.js';
import { saveRestoreState } from '../state.js';
import type { RunDeps } from './deps.js';
import { addSummaryRow, failWithValidation, reportCacheFailure } from './report.js';

/**
 * The restore step's policy: invalid input fails the step; any cache failure is a warning and a
 * miss; a miss fails the step only with fail-on-cache-miss. Every output is always set.
 */
export async function runRestore(deps: RunDeps): Promise<void> {
  let settings: Settings;
  try {
    settings = deps.readSettings();
  } catch (err) {
    core.setOutput(Outputs.CacheHit, 'false');
    core.setOutput(Outputs.CacheRestored, 'false');
    if (err instanceof ValidationError) return failWithValidation(err);
    throw err;
  }
  const { cache } = settings;
  core.setOutput(Outputs.CachePrimaryKey, cache.key);

  let result: RestoreResult = { primaryKey: cache.key, exact: false, restored: false };
  let unusable: UnusableEntry | undefined;
  try {
    result = await performRestore(deps, settings, deps.context);
    // Refused on the way to the entry that restored: the post step still replaces it.
    unusable = result.unusable;
  } catch (err) {
    // The post step replaces the refused entry (conditionally on what was refused).
    if (err instanceof UnusableEntryError) unusable = err.entry;
    if (err instanceof ValidationError) {
      setOutputs(result);
      return failWithValidation(err);
    }
    reportCacheFailure('restore', err, cache.failOnError);
  }

  setOutputs(result);
  saveRestoreState({
    primaryKey: cache.key,
    matchedKey: result.matchedKey,
    exact: result.exact,
    unusable,
  });
  await addSummaryRow({
    operation: cache.lookupOnly ? 'lookup' : 'restore',
    key: result.matchedKey ?? cache.key,
    result: result.exact ? 'hit' : result.matchedKey ? 'partial hit (restore key)' : 'miss',
    size: result.size === undefined ? undefined : formatBytes(result.size),
    scope: result.scope,
  });
  if (!result.matchedKey && cache.failOnCacheMiss) {
    core.setFailed(
      `Failed to restore cache entry. Exiting as fail-on-cache-miss is set. Input key: ${cache.key}`,
    );
  }
}

function setOutputs(r: RestoreResult): void {
  core.setOutput(Outputs.CacheHit, String(r.exact));
  core.setOutput(Outputs.CacheRestored, String(r.restored));
  core.setOutput(Outputs.CacheMatchedKey, r.matchedKey ?? '');
  core.setOutput(Outputs.CacheSize, r.size === undefined ? '' : String(r.size));
}
