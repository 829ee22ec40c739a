import * as core from '@actions/core';

import { performSave } from '../cache/operations.js';
import type { SaveResult } from '../cache/save-cache.js';
import { Inputs } from '../constants.js';
import { ValidationError } from '../errors.js';
import { formatBytes } from '../logger.js';
import type { Settings } from '../settings.js';
import type { RestoreState } from '../state.js';
import type { RunDeps } from './deps.js';
import { pruneAfterSave } from './prune-after-save.js';
import { addSummaryRow, failWithValidation, reportCacheFailure } from './report.js';

export interface SaveStep {
  /** What the combined action's main step handed over; absent in the save sub-action. */
  state?: RestoreState;
}

/** The save step's policy: invalid input fails the step; nothing else ever fails the job. */
export async function runSave(deps: RunDeps, step: SaveStep): Promise<void> {
  let settings: Settings;
  let budget: number | undefined;
  try {
    settings = deps.readSettings();
    budget = deps.readPruneBudget?.();
  } catch (err) {
    if (err instanceof ValidationError) return failWithValidation(err);
    throw err;
  }
  const cache = { ...settings.cache, key: step.state?.primaryKey ?? settings.cache.key };
  // Only the combined action declares `save`, so the save sub-action always saves.
  if (!cache.save) {
    core.info(`Not saving: ${Inputs.Save} is false.`);
    return;
  }
  if (step.state?.exact && step.state.matchedKey === cache.key) {
    // A rolling cache (one fixed key refreshed every run) replaces its entry after a hit.
    if (!cache.overwrite) {
      core.info(`Cache hit occurred on the primary key ${cache.key}, not saving cache.`);
      return;
    }
    core.info(
      `Cache hit occurred on the primary key ${cache.key}; ${Inputs.Overwrite} is set, so the entry is replaced.`,
    );
  }

  let result: SaveResult | undefined;
  try {
    result = await performSave(deps, { ...settings, cache }, deps.context, {
      replaceUnusable: step.state?.unusable,
    });
  } catch (err) {
    if (err instanceof ValidationError) return failWithValidation(err);
    reportCacheFailure('save', err, cache.failOnError);
  }
  if (!result) {
    await addSummaryRow({ operation: 'save', key: cache.key, result: 'failed (see warnings)' });
    return;
  }
  reportSave(result, cache.overwrite);
  if (budget !== undefined && result.status === 'saved')
    await pruneAfterSave(deps, settings, budget);
  await addSummaryRow({
    operation: 'save',
    key: result.key,
    result:
      result.status === 'saved'
        ? 'saved'
        : result.status === 'exists'
          ? 'already saved'
          : 'no files',
    size: result.status === 'saved' ? formatBytes(result.size) : undefined,
    scope: result.status === 'no-files' ? undefined : result.scope,
  });
}

function reportSave(result: SaveResult, overwrite: boolean): void {
  switch (result.status) {
    case 'saved':
      return;
    case 'no-files':
      core.warning(
        'Path Validation Error: Path(s) specified in the action for caching do(es) not exist, hence no cache is being saved.',
      );
      return;
    case 'exists':
      core.info(
        result.reason === 'lost-race'
          ? `Another job saved key ${result.key} first; keeping its entry.`
          : `Cache entry for key ${result.key} already exists in ${result.scope}; not saving${overwrite ? '' : ' (set overwrite: true to replace it)'}.`,
      );
  }
}
