import type { PruneResult } from '../cache/prune.js';
import { formatBytes } from '../logger.js';

const WHY = {
  'unused-for': 'not used within --unused-for',
  'older-than': 'older than --older-than',
  keep: 'beyond the newest --keep of its cache',
  'max-size': 'least recently used beyond --max-size',
} as const;

export function timestamp(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/**
 * One line per thing prune removed or would remove, in the same words for the action and the
 * CLI. `rule` names a rule as the caller's user wrote it (an input or a flag).
 */
export function pruneLines(
  result: PruneResult,
  opts: { dryRun: boolean; showRepository: boolean; rule?: (flag: string) => string },
): string[] {
  const verb = opts.dryRun ? 'Would delete' : 'Deleted';
  const rule = opts.rule ?? ((f: string): string => f);
  const lines = result.removed.map(({ entry: e, reason }) => {
    const where = `${opts.showRepository ? `${e.repository}, ` : ''}${e.scope}`;
    const why = WHY[reason].replace(/--[a-z-]+/, rule);
    return `${verb} ${e.key} (${where}, ${e.version.slice(0, 8)}, ${formatBytes(e.size)}, saved ${timestamp(e.lastModified)}, last used ${timestamp(e.lastUsed)}): ${why}`;
  });
  for (const o of result.orphans) {
    lines.push(
      `${verb} orphaned archive ${o.name} (${formatBytes(o.size)}, ${timestamp(o.lastModified)})`,
    );
  }
  for (const m of result.staleMarkers)
    lines.push(`${verb} usage marker of a deleted entry ${m.name}`);
  const abort = opts.dryRun ? 'Would abort' : 'Aborted';
  for (const u of result.uploads) {
    lines.push(`${abort} unfinished upload ${u.name ?? u.id} (begun ${timestamp(u.started)})`);
  }
  return lines;
}

/** The closing sentence: counts and bytes. */
export function pruneSummary(result: PruneResult, dryRun: boolean): string {
  const n = (count: number, one: string, many: string): string =>
    `${count} ${count === 1 ? one : many}`;
  const uploads = result.uploads.length
    ? `; ${dryRun ? 'would abort' : 'aborted'} ${n(result.uploads.length, 'unfinished upload', 'unfinished uploads')}`
    : '';
  return (
    `${dryRun ? 'Would delete' : 'Deleted'} ${n(result.removed.length, 'entry', 'entries')} and ` +
    `${n(result.orphans.length, 'orphaned archive', 'orphaned archives')} (${formatBytes(result.freedBytes)})` +
    `${uploads}; ${n(result.kept.length, 'entry stays', 'entries stay')}.`
  );
}
