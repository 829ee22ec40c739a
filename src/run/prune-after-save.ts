import * as core from '@actions/core';

import { Layout } from '../cache/layout.js';
import { prune } from '../cache/prune.js';
import { PruneInputs } from '../constants.js';
import { formatBytes } from '../logger.js';
import type { Settings } from '../settings.js';
import type { Backend } from '../storage/backend.js';
import type { RunDeps } from './deps.js';
import { describeFailure } from './failure-text.js';
import { pruneLines } from './prune-report.js';

/**
 * The combined action's post step with `max-total-size`: after a save that stored something, evict
 * this repository's least recently used entries until the rest fit, as GitHub's own cache does
 * per repository. It costs one listing and one small read per entry, so it runs only after a
 * save, the only time the total grows. Like saving, it never fails the job.
 */
export async function pruneAfterSave(
  deps: RunDeps,
  settings: Settings,
  budget: number,
): Promise<void> {
  const { context } = deps;
  let backend: Backend | undefined;
  try {
    backend = await deps.createBackend(settings.storage, settings.transfer);
    const layout = new Layout(settings.cache.prefix, context.owner, context.repo);
    const result = await prune(
      backend,
      layout,
      { maxSizeBytes: budget },
      (deps.now ?? (() => new Date()))(),
    );
    const lines = pruneLines(result, {
      dryRun: false,
      showRepository: false,
      rule: () => PruneInputs.MaxTotalSize,
    });
    for (const line of lines) core.info(line);
    const total = result.kept.reduce((s, e) => s + e.size, 0);
    core.info(
      `${context.owner}/${context.repo} holds ${formatBytes(total)} in ${result.kept.length} entries (${PruneInputs.MaxTotalSize} ${formatBytes(budget)}).`,
    );
    for (const f of result.failed) {
      core.warning(`could not remove ${f.name}: ${describeFailure(f.error)}`, {
        title: 'bucket-cache prune',
      });
    }
  } catch (err) {
    core.warning(`pruning to ${PruneInputs.MaxTotalSize} failed: ${describeFailure(err)}`, {
      title: 'bucket-cache prune',
    });
  } finally {
    await backend?.close();
  }
}
