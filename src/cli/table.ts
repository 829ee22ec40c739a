import type { CacheEntry } from '../cache/catalog.js';
import { formatBytes } from '../logger.js';

// How entries are printed: a JSON object per entry, or aligned text rows.

export function entryJson(e: CacheEntry): Record<string, unknown> {
  return {
    repository: e.repository,
    key: e.key,
    scope: e.scope,
    version: e.version,
    size: e.size,
    lastModified: e.lastModified.toISOString(),
    lastUsed: e.lastUsed.toISOString(),
    createdAt: e.manifest?.createdAt ?? null,
    compression: e.manifest?.compression ?? null,
    paths: e.manifest?.paths ?? null,
    writer: e.manifest?.writer ?? null,
    manifest: e.manifestName,
    archive: e.archiveName ?? null,
    problem: e.problem ?? null,
  };
}

function age(from: Date, now: Date): string {
  const s = Math.max(0, Math.floor((now.getTime() - from.getTime()) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

export function timestamp(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** Left-aligned columns, two spaces apart; the last column is not padded. */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

export function entryRows(entries: readonly CacheEntry[], now: Date): string[] {
  // The NOTE column only appears when some entry cannot be restored.
  const notes = entries.some((e) => e.problem);
  return table([
    ['KEY', 'SCOPE', 'VERSION', 'SIZE', 'CREATED', ...(notes ? ['NOTE'] : [])],
    ...entries.map((e) => [
      e.key,
      e.scope,
      e.version.slice(0, 8),
      formatBytes(e.size),
      `${timestamp(e.lastModified)} (${age(e.lastModified, now)})`,
      ...(notes ? [e.problem ? `! ${e.problem}` : ''] : []),
    ]),
  ]);
}
