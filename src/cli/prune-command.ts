import { Layout } from '../cache/layout.js';
import { prune, type PrunePolicy, type PruneResult } from '../cache/prune.js';
import type { RunContext } from '../context.js';
import type { StoreSettings } from '../inputs.js';
import { formatBytes } from '../logger.js';
import { describeFailure } from '../run/report.js';
import { UsageError } from './args.js';
import {
  type CommandRequest,
  entryJson,
  Exit,
  scopeFilter,
  timestamp,
  withStore,
} from './commands.js';

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

const WHY = {
  'unused-for': 'not used within --unused-for',
  'older-than': 'older than --older-than',
  keep: 'beyond the newest --keep of its cache',
  'max-size': 'least recently used beyond --max-size',
} as const;

function reportPrune(req: CommandRequest, result: PruneResult): void {
  const { out, args } = req;
  const verb = args.dryRun ? 'Would delete' : 'Deleted';
  for (const { entry: e, reason } of result.removed) {
    out.info(
      `${verb} ${e.key} (${args.allRepositories ? `${e.repository}, ` : ''}${e.scope}, ${e.version.slice(0, 8)}, ${formatBytes(e.size)}, saved ${timestamp(e.lastModified)}, last used ${timestamp(e.lastUsed)}): ${WHY[reason]}`,
    );
  }
  for (const o of result.orphans) {
    out.info(
      `${verb} orphaned archive ${o.name} (${formatBytes(o.size)}, ${timestamp(o.lastModified)})`,
    );
  }
  for (const m of result.staleMarkers)
    out.info(`${verb} usage marker of a deleted entry ${m.name}`);
  const abort = args.dryRun ? 'Would abort' : 'Aborted';
  for (const u of result.uploads) {
    out.info(`${abort} unfinished upload ${u.name ?? u.id} (begun ${timestamp(u.started)})`);
  }
  for (const f of result.failed)
    out.error(`could not delete ${f.name}: ${describeFailure(f.error)}`);
  if (args.json) {
    out.result(
      JSON.stringify({
        dryRun: args.dryRun,
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
      }),
    );
    return;
  }
  const n = (count: number, one: string, many: string): string =>
    `${count} ${count === 1 ? one : many}`;
  out.result(
    `${verb} ${n(result.removed.length, 'entry', 'entries')} and ${n(result.orphans.length, 'orphaned archive', 'orphaned archives')} (${formatBytes(result.freedBytes)})` +
      `${result.uploads.length ? `; ${abort.toLowerCase()} ${n(result.uploads.length, 'unfinished upload', 'unfinished uploads')}` : ''}` +
      `; ${n(result.kept.length, 'entry stays', 'entries stay')}.`,
  );
}
