import * as core from '@actions/core';

import { Layout } from '../cache/layout.js';
import { prune } from '../cache/prune.js';
import { PruneInputs, PruneOutputs } from '../constants.js';
import type { RunContext } from '../context.js';
import { ValidationError } from '../errors.js';
import type { StoreSettings } from '../inputs.js';
import type { Logger } from '../logger.js';
import type { PruneSettings, StorageSettings, TransferSettings } from '../settings.js';
import type { Backend } from '../storage/backend.js';
import { describeFailure } from './failure-text.js';
import { pruneLines, pruneSummary } from './prune-report.js';
import { failWithValidation } from './report.js';

export interface PruneDeps {
  context: RunContext;
  /** Parse inputs; throw ValidationError naming the input. */
  readStore(): StoreSettings;
  readRules(): PruneSettings;
  createBackend(storage: StorageSettings, transfer: TransferSettings): Backend | Promise<Backend>;
  logger: Logger;
  now(): Date;
}

const RULE_INPUT: Record<string, PruneInputs> = {
  '--unused-for': PruneInputs.UnusedFor,
  '--older-than': PruneInputs.OlderThan,
  '--keep': PruneInputs.Keep,
  '--max-size': PruneInputs.MaxTotalSize,
};

/**
 * The prune action, for a scheduled workflow: evicts by the rules given and always removes the
 * leftovers of unfinished saves. Unlike restore and save, a failure fails the step: pruning is
 * the job's whole purpose, and a silent failure lets the bucket grow.
 */
export async function runPrune(deps: PruneDeps): Promise<void> {
  let store: StoreSettings;
  let rules: PruneSettings;
  try {
    store = deps.readStore();
    rules = deps.readRules();
  } catch (err) {
    if (err instanceof ValidationError) return failWithValidation(err);
    throw err;
  }
  const { logger, context } = deps;
  const ruleNames = [rules.unusedForMs, rules.olderThanMs, rules.keep, rules.maxSizeBytes];
  if (ruleNames.every((r) => r === undefined)) {
    logger.info(
      `No ${PruneInputs.UnusedFor}, ${PruneInputs.OlderThan}, ${PruneInputs.Keep} or ${PruneInputs.MaxTotalSize} given: only leftovers of unfinished saves are removed.`,
    );
  }
  let backend: Backend | undefined;
  try {
    backend = await deps.createBackend(store.storage, store.transfer);
    const target = rules.allRepositories
      ? { prefix: store.prefix }
      : new Layout(store.prefix, context.owner, context.repo);
    logger.info(
      `Pruning ${rules.allRepositories ? 'every repository' : `${context.owner}/${context.repo}`} in ${backend.description}${store.prefix ? ` under ${store.prefix}` : ''}${rules.dryRun ? ' (dry run: nothing is deleted)' : ''}`,
    );
    const result = await prune(backend, target, rules, deps.now());
    const lines = pruneLines(result, {
      dryRun: rules.dryRun,
      showRepository: rules.allRepositories,
      rule: (flag) => RULE_INPUT[flag] ?? flag,
    });
    for (const line of lines) logger.info(line);
    logger.info(pruneSummary(result, rules.dryRun));
    core.setOutput(PruneOutputs.EntriesRemoved, String(result.removed.length));
    core.setOutput(PruneOutputs.BytesFreed, String(result.freedBytes));
    if (result.failed.length) {
      for (const f of result.failed) {
        core.error(`could not remove ${f.name}: ${describeFailure(f.error)}`);
      }
      core.setFailed(`prune could not delete ${result.failed.length} object(s)`);
    }
  } catch (err) {
    if (err instanceof ValidationError) return failWithValidation(err);
    core.setFailed(`prune failed: ${describeFailure(err)}`);
  } finally {
    await backend?.close();
  }
}
