import type { Backend, IncompleteUpload, ObjectInfo } from '../storage/backend.js';
import { mapLimit } from '../util/map-limit.js';
import {
  type CacheEntry,
  DELETE_CONCURRENCY,
  deleteEntries,
  matches,
  OrphanGraceMs,
  readEntries,
  type Scan,
  scanObjects,
} from './catalog.js';
import { type Layout, prefixRoot } from './layout.js';

/**
 * Eviction: which entries go, by last use, age, count and a size budget, plus the leftovers of
 * saves that never finished. Works on one repository or on every repository under a prefix, from
 * one listing and one read per manifest; last use comes from the usage markers in that listing.
 */

/** Every repository under the normalised `prefix`. */
export interface AllRepositories {
  prefix: string;
}

/** What `prune` removes. Rules combine: an entry goes if any selects it. */
export interface PrunePolicy {
  /** Entries not restored (nor saved) for this long (ms) go. */
  unusedForMs?: number;
  /** Entries saved longer ago than this (ms) go. */
  olderThanMs?: number;
  /**
   * Keep only the newest N entries of each repository, scope and version. A version stands for
   * one path list, compression method and OS, so this keeps the newest N generations of each
   * distinct cache on each branch, never evicting one cache for another's sake.
   */
  keep?: number;
  /**
   * After the rules above, evict the least recently used entries until the rest total at most
   * this many bytes (across every repository pruned).
   */
  maxSizeBytes?: number;
  /** Only consider entries (and leftovers) of this scope: a full ref or "repository". */
  scope?: string;
  /** Only consider entries whose key starts with this (leftovers have no key and are unaffected). */
  keyPrefix?: string;
  /** Leftovers younger than this may belong to a save still running; default a day. */
  graceMs?: number;
  /** Report what would go; delete nothing. */
  dryRun?: boolean;
}

export type PruneReason = 'unused-for' | 'older-than' | 'keep' | 'max-size';

export interface PruneResult {
  /** Entries removed (or that would be), least recently used first, with the rule that chose them. */
  removed: { entry: CacheEntry; reason: PruneReason }[];
  /** Archives no manifest names, older than the grace period. */
  orphans: ObjectInfo[];
  /** Usage markers and key index objects whose entry is gone, older than the grace period. */
  staleMarkers: ObjectInfo[];
  /** Uploads begun and never committed, older than the grace period. */
  uploads: IncompleteUpload[];
  /** Bytes the removed entries and orphan archives held (uploads' sizes are not known). */
  freedBytes: number;
  /** Entries that stay. */
  kept: CacheEntry[];
  failed: { name: string; error: unknown }[];
}

export async function prune(
  backend: Backend,
  target: Layout | AllRepositories,
  policy: PrunePolicy,
  now: Date = new Date(),
): Promise<PruneResult> {
  const single = 'repositoryRoot' in target;
  const root = single ? target.repositoryRoot() : prefixRoot(target.prefix);
  const repository = single ? target.repository() : undefined;
  // The upload listing does not depend on the object listing: ask for both at once. Credentials
  // that may not list uploads still get their entries pruned; the failure is reported.
  const [objects, uploads] = await Promise.all([
    backend.list(root),
    backend.listIncompleteUploads(root).then(
      (found) => ({ found }),
      (error: unknown) => ({ found: [] as IncompleteUpload[], error }),
    ),
  ]);
  const scan = scanObjects(objects, root, repository);
  // Every manifest counts when deciding what is an orphan, not just the filtered ones.
  const all = await readEntries(backend, scan, {});
  const inScope = (scope: string): boolean => policy.scope === undefined || scope === policy.scope;
  const candidates = all.filter(
    (e) => inScope(e.scope) && matches(e, { keyPrefix: policy.keyPrefix }),
  );
  const reasons = selectEntries(candidates, policy, now);
  const removed = candidates
    .filter((e) => reasons.has(e))
    .sort(leastRecentlyUsedFirst)
    .map((entry) => ({ entry, reason: reasons.get(entry)! }));

  const cutoff = now.getTime() - (policy.graceMs ?? OrphanGraceMs);
  const orphans = orphanArchives(scan, all, cutoff).filter((a) => inScope(a.scope));
  const live = new Set(scan.manifests.map((m) => m.name));
  // Usage markers and key index objects whose entry is gone.
  const staleMarkers = [...scan.markers, ...scan.indexes]
    .filter(([manifest, m]) => !live.has(manifest) && inScope(m.scope))
    .map(([, m]) => m)
    .filter((m) => m.lastModified.getTime() < cutoff);
  const abandoned = uploads.found.filter((u) => {
    if (u.started.getTime() >= cutoff) return false;
    // A store that does not say what the upload was for (fs temp files): not ours to narrow.
    if (u.name === undefined) return policy.scope === undefined;
    const placed = scanObjects(
      [{ name: u.name, size: 0, lastModified: u.started }],
      root,
      repository,
    );
    return (
      placed.foreign.length === 0 &&
      [
        ...placed.archives,
        ...placed.manifests,
        ...placed.markers.values(),
        ...placed.indexes.values(),
      ].every((p) => inScope(p.scope))
    );
  });

  const result: PruneResult = {
    removed,
    orphans,
    staleMarkers,
    uploads: abandoned,
    freedBytes: 0,
    kept: candidates.filter((e) => !reasons.has(e)),
    failed:
      'error' in uploads
        ? [{ name: `unfinished uploads under ${root || '/'}`, error: uploads.error }]
        : [],
  };
  if (!policy.dryRun) await carryOut(backend, result);
  result.freedBytes =
    result.removed.reduce((s, r) => s + r.entry.size, 0) +
    result.orphans.reduce((s, o) => s + o.size, 0);
  return result;
}

/** Applies the rules to `candidates` (newest first); returns the chosen ones and why. */
export function selectEntries(
  candidates: readonly CacheEntry[],
  policy: PrunePolicy,
  now: Date,
): Map<CacheEntry, PruneReason> {
  const reasons = new Map<CacheEntry, PruneReason>();
  const choose = (e: CacheEntry, reason: PruneReason): void => {
    if (!reasons.has(e)) reasons.set(e, reason);
  };
  if (policy.unusedForMs !== undefined) {
    const cutoff = now.getTime() - policy.unusedForMs;
    for (const e of candidates) if (e.lastUsed.getTime() < cutoff) choose(e, 'unused-for');
  }
  if (policy.olderThanMs !== undefined) {
    const cutoff = now.getTime() - policy.olderThanMs;
    for (const e of candidates) if (e.lastModified.getTime() < cutoff) choose(e, 'older-than');
  }
  if (policy.keep !== undefined) {
    const seen = new Map<string, number>();
    for (const e of candidates) {
      const group = `${e.repository}\n${e.scope}\n${e.version}`;
      const n = (seen.get(group) ?? 0) + 1;
      seen.set(group, n);
      if (n > policy.keep) choose(e, 'keep');
    }
  }
  if (policy.maxSizeBytes !== undefined) {
    const survivors = candidates.filter((e) => !reasons.has(e)).sort(leastRecentlyUsedFirst);
    let total = survivors.reduce((sum, e) => sum + e.size, 0);
    for (const e of survivors) {
      if (total <= policy.maxSizeBytes) break;
      choose(e, 'max-size');
      total -= e.size;
    }
  }
  return reasons;
}

/** Least recently used first; then the older save; then by name, so the order is stable. */
function leastRecentlyUsedFirst(a: CacheEntry, b: CacheEntry): number {
  return (
    a.lastUsed.getTime() - b.lastUsed.getTime() ||
    a.lastModified.getTime() - b.lastModified.getTime() ||
    (a.manifestName < b.manifestName ? -1 : a.manifestName > b.manifestName ? 1 : 0)
  );
}

/** Archives no manifest names, older than `cutoff`, except beside an unreadable manifest. */
function orphanArchives(scan: Scan, all: readonly CacheEntry[], cutoff: number): Scan['archives'] {
  // Archives a manifest names, even a manifest outside the filter or one that is being deleted
  // now: deleteEntries removes those archives itself.
  const referenced = new Set(all.map((e) => e.archiveName).filter(Boolean));
  // A folder holding an unreadable manifest may hold the archive it names: leave that folder's
  // archives alone until the bad entry itself is pruned.
  const unsure = new Set(
    all
      .filter((e) => !e.manifest)
      .map((e) => `${e.manifestName.slice(0, e.manifestName.lastIndexOf('/keys/'))}/archives/`),
  );
  return scan.archives.filter(
    (a) =>
      !referenced.has(a.name) &&
      !unsure.has(a.name.slice(0, a.name.lastIndexOf('/') + 1)) &&
      a.lastModified.getTime() < cutoff,
  );
}

/** Deletes what `result` lists; whatever fails moves from its list to `failed`. */
async function carryOut(backend: Backend, result: PruneResult): Promise<void> {
  const outcome = await deleteEntries(
    backend,
    result.removed.map((r) => r.entry),
  );
  result.failed.push(
    ...outcome.failed.map((f) => ({ name: f.entry.manifestName, error: f.error })),
  );
  const failed = new Set<string>(result.failed.map((f) => f.name));
  const attempt = async (name: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (error) {
      result.failed.push({ name, error });
      failed.add(name);
    }
  };
  await mapLimit([...result.orphans, ...result.staleMarkers], DELETE_CONCURRENCY, (o) =>
    attempt(o.name, () => backend.delete(o.name)),
  );
  await mapLimit(result.uploads, DELETE_CONCURRENCY, (u) =>
    attempt(u.name ?? u.id, () => backend.abortIncompleteUpload(u)),
  );
  if (failed.size) {
    result.removed = result.removed.filter((r) => !failed.has(r.entry.manifestName));
    result.orphans = result.orphans.filter((o) => !failed.has(o.name));
    result.staleMarkers = result.staleMarkers.filter((o) => !failed.has(o.name));
    result.uploads = result.uploads.filter((u) => !failed.has(u.name ?? u.id));
  }
}
