import { Layout } from '../cache/layout.js';
import { prune, type PrunePolicy, type PruneResult } from '../cache/prune.js';
import type { RunContext } from '../context.js';
import type { StoreSettings } from '../inputs.js';
import { describeFailure } from '../run/failure-text.js';
import { pruneLines, pruneSummary } from '../run/prune-report.js';
import { UsageError } from './args.js';
import { scopeFilter, withStore } from './catalog-commands.js';
import { type CommandRequest, Exit } from './command-context.js';
import { entryJson } from './table.js';

/** `prune`: evicts entries of one repository, or of every one under the prefix, and leftovers. */
export async function pruneCommand(
  req: CommandRequest,
  run: RunContext,
  settings: StoreSettings,
): Promise<number> {
  const { out, args } = req;
  if (args.allRepositories && args.repository !== undefined) {
    throw new UsageError('prune takes --repository OWNER/NAME or --all-repositories, not both');
  }
  const policy: PrunePolicy = {
    unusedForMs: args.unusedForMs,
    olderThanMs: args.olderThanMs,
    keep: args.keep,
    maxSizeBytes: args.maxSizeBytes,
    scope: scopeFilter(args.ref),
    keyPrefix: args.key,
    graceMs: args.graceMs,
    dryRun: args.dryRun,
  };
  const rules = [policy.unusedForMs, policy.olderThanMs, policy.keep, policy.maxSizeBytes];
  if (rules.every((r) => r === undefined)) {
    out.info(
      'No --unused-for, --older-than, --keep or --max-size given: only leftovers of unfinished saves are removed.',
    );
  }
  return withStore(req, settings, async (backend) => {
    const target = args.allRepositories
      ? { prefix: settings.prefix }
      : new Layout(settings.prefix, run.owner, run.repo);
    const what = args.allRepositories
      ? `every repository under ${settings.prefix ? `prefix ${settings.prefix}` : 'the root'}`
      : `${run.owner}/${run.repo}`;
    out.info(`Pruning ${what} in ${backend.description}${args.dryRun ? ' (dry run)' : ''}`);
    const result = await prune(backend, target, policy, req.deps.now());
    reportPrune(req, result);
    return result.failed.length ? Exit.Failed : Exit.Ok;
  });
}

function reportPrune(req: CommandRequest, result: PruneResult): void {
  const { out, args } = req;
  const lines = pruneLines(result, {
    dryRun: args.dryRun,
    showRepository: args.allRepositories,
  });
  for (const line of lines) out.info(line);
  for (const f of result.failed)
    out.error(`could not remove ${f.name}: ${describeFailure(f.error)}`);
  if (args.json) {
    out.result(JSON.stringify(pruneJson(result, args.dryRun)));
    return;
  }
  out.result(pruneSummary(result, args.dryRun));
}

function pruneJson(result: PruneResult, dryRun: boolean): Record<string, unknown> {
  return {
    dryRun,
    removed: result.removed.map((r) => ({ ...entryJson(r.entry), reason: r.reason })),
    orphans: result.orphans.map((o) => ({
      name: o.name,
      size: o.size,
      lastModified: o.lastModified.toISOString(),
    })),
    staleMarkers: result.staleMarkers.map((m) => m.name),
    uploads: result.uploads.map((u) => ({
      name: u.name ?? null,
      id: u.id,
      started: u.started.toISOString(),
    })),
    freedBytes: result.freedBytes,
    kept: result.kept.length,
    failed: result.failed.map((f) => ({ name: f.name, error: describeFailure(f.error) })),
  };
}
