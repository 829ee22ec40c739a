import { buffer } from 'node:stream/consumers';

import { errorMessage, NotFoundError } from '../errors.js';
import type { Backend, ObjectInfo } from '../storage/backend.js';
import { mapLimit } from '../util/map-limit.js';
import { decodeSegment } from './keys.js';
import type { Layout } from './layout.js';
import { type EntryManifest, MaxManifestBytes, parseManifest } from './manifest.js';

/**
 * Entry management for the `list`, `delete` and `prune` commands: everything is derived from one
 * listing of the repository's folder plus a read of each manifest, so no store needs more than
 * the Backend interface offers.
 */

/** One committed entry: a manifest at a key's name and, when the manifest is sound, its archive. */
export interface CacheEntry {
  key: string;
  /** A full ref ("refs/heads/main") or "repository". */
  scope: string;
  /** Version hash: path list, compression and platform. */
  version: string;
  /** Archive bytes: the archive object's size, else the manifest's claim; 0 when unknown. */
  size: number;
  /** When the manifest (the commit point) was written. */
  lastModified: Date;
  manifestName: string;
  /** Archive object name; undefined when the manifest could not be read. */
  archiveName?: string;
  /** The parsed manifest; undefined when it could not be read. */
  manifest?: EntryManifest;
  /** Why this entry cannot be restored (bad manifest, missing archive); undefined when sound. */
  problem?: string;
}

export interface EntryFilter {
  /** Exactly this key. */
  key?: string;
  /** Keys starting with this. */
  keyPrefix?: string;
  /** A full ref or "repository". */
  scope?: string;
}

/** What one listing of a repository's folder holds, sorted into our layout's parts. */
interface Scan {
  manifests: (ObjectInfo & { scope: string; version: string; key: string })[];
  archives: (ObjectInfo & { scope: string })[];
  /** Objects under the repository folder that our layout does not explain; never touched. */
  foreign: ObjectInfo[];
}

/** Manifests read in parallel: each is one small GET. */
const READ_CONCURRENCY = 16;
/** Deletes in parallel. */
const DELETE_CONCURRENCY = 8;
/** An archive no manifest names is only garbage once a save that wrote it must have finished. */
export const OrphanGraceMs = 24 * 60 * 60 * 1000;

/** Every entry of the layout's repository that matches `filter`, newest first. */
export async function listEntries(
  backend: Backend,
  layout: Layout,
  filter: EntryFilter = {},
): Promise<CacheEntry[]> {
  const scan = await scanRepository(backend, layout);
  return readEntries(backend, layout, scan, filter);
}

async function scanRepository(backend: Backend, layout: Layout): Promise<Scan> {
  const root = layout.repositoryRoot();
  const scan: Scan = { manifests: [], archives: [], foreign: [] };
  for (const o of await backend.list(root)) {
    const parts = o.name.slice(root.length).split('/');
    const scope = parts.length === 4 ? decodeScope(parts[0]!) : undefined;
    const [, version, folder, leaf] = parts;
    if (scope === undefined || !version || !leaf) {
      scan.foreign.push(o);
    } else if (folder === 'keys') {
      const key = decodeOrUndefined(leaf);
      if (key === undefined) scan.foreign.push(o);
      else scan.manifests.push({ ...o, scope, version, key });
    } else if (folder === 'archives') {
      scan.archives.push({ ...o, scope });
    } else {
      scan.foreign.push(o);
    }
  }
  return scan;
}

function decodeScope(segment: string): string | undefined {
  if (segment === 'repository') return 'repository';
  if (!segment.startsWith('ref-')) return undefined;
  return decodeOrUndefined(segment.slice('ref-'.length));
}

function decodeOrUndefined(encoded: string): string | undefined {
  try {
    return decodeSegment(encoded);
  } catch {
    return undefined;
  }
}

function matches(m: { key: string; scope: string }, filter: EntryFilter): boolean {
  if (filter.key !== undefined && m.key !== filter.key) return false;
  if (filter.keyPrefix !== undefined && !m.key.startsWith(filter.keyPrefix)) return false;
  if (filter.scope !== undefined && m.scope !== filter.scope) return false;
  return true;
}

async function readEntries(
  backend: Backend,
  layout: Layout,
  scan: Scan,
  filter: EntryFilter,
): Promise<CacheEntry[]> {
  const archiveSizes = new Map(scan.archives.map((a) => [a.name, a.size]));
  const selected = scan.manifests.filter((m) => matches(m, filter));
  const entries = await mapLimit(selected, READ_CONCURRENCY, async (m) => {
    const entry: CacheEntry = {
      key: m.key,
      scope: m.scope,
      version: m.version,
      size: 0,
      lastModified: m.lastModified,
      manifestName: m.name,
    };
    if (m.size > MaxManifestBytes) {
      entry.problem = `manifest is ${m.size} bytes, larger than ${MaxManifestBytes}`;
      return entry;
    }
    let bytes: Buffer;
    try {
      bytes = await buffer(await backend.get(m.name, { size: m.size }));
    } catch (err) {
      // Deleted since the listing: no longer an entry. Any other read failure is the store's
      // trouble, not the entry's: fail rather than report (or prune) a sound entry as broken.
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
    let manifest: EntryManifest;
    try {
      manifest = parseManifest(bytes, {
        version: m.version,
        archiveFolder: layout.archiveFolder(m.name),
      });
    } catch (err) {
      entry.problem = errorMessage(err);
      return entry;
    }
    entry.manifest = manifest;
    entry.archiveName = manifest.archive;
    const stored = archiveSizes.get(manifest.archive);
    entry.size = stored ?? manifest.size;
    if (stored === undefined) entry.problem = 'archive is missing';
    else if (stored !== manifest.size)
      entry.problem = `archive is ${stored} bytes, manifest says ${manifest.size}`;
    return entry;
  });
  return entries.filter((e): e is CacheEntry => e !== undefined).sort(newestFirst);
}

function newestFirst(a: CacheEntry, b: CacheEntry): number {
  const d = b.lastModified.getTime() - a.lastModified.getTime();
  return d !== 0
    ? d
    : a.manifestName < b.manifestName
      ? 1
      : a.manifestName > b.manifestName
        ? -1
        : 0;
}

export interface DeleteOutcome {
  /** Entries whose manifest and archive are gone (or would be, in a dry run). */
  deleted: CacheEntry[];
  /** Entries that could not be removed, with the error. */
  failed: { entry: CacheEntry; error: unknown }[];
}

/**
 * Removes each entry: the manifest first, so restores stop finding it, then the archive it named.
 * A failure leaves at worst an orphan archive, which `prune` collects later.
 */
export async function deleteEntries(
  backend: Backend,
  entries: readonly CacheEntry[],
  opts: { dryRun?: boolean } = {},
): Promise<DeleteOutcome> {
  const outcome: DeleteOutcome = { deleted: [], failed: [] };
  if (opts.dryRun) return { deleted: [...entries], failed: [] };
  await mapLimit(entries, DELETE_CONCURRENCY, async (entry) => {
    try {
      await backend.delete(entry.manifestName);
      if (entry.archiveName) await backend.delete(entry.archiveName);
      outcome.deleted.push(entry);
    } catch (error) {
      outcome.failed.push({ entry, error });
    }
  });
  return outcome;
}

/**
 * What `prune` removes. Policies combine: an entry goes if any selects it. Orphan archives (no
 * manifest names them, left by a save that crashed between its two writes) older than a day are
 * always collected.
 */
export interface PrunePolicy {
  /** Entries whose manifest is older than this (ms) go. */
  olderThanMs?: number;
  /**
   * Keep only the newest N entries of each scope and version. A version stands for one path list,
   * compression method and OS, so this keeps the newest N generations of each distinct cache on
   * each branch ("npm-<hash1>", "npm-<hash2>"...), never evicting one cache for another's sake.
   */
  keep?: number;
  /** After the rules above, evict the oldest entries until the rest total at most this many bytes. */
  maxSizeBytes?: number;
  /** Only consider entries (and orphan archives) of this scope: a full ref or "repository". */
  scope?: string;
  /** Only consider entries whose key starts with this (orphans have no key and are unaffected). */
  keyPrefix?: string;
  /** Report what would go; delete nothing. */
  dryRun?: boolean;
}

export type PruneReason = 'older-than' | 'keep' | 'max-size';

export interface PruneResult {
  /** Entries removed (or that would be, in a dry run), oldest first, with the rule that chose them. */
  removed: { entry: CacheEntry; reason: PruneReason }[];
  /** Orphan archives removed (or that would be). */
  orphans: ObjectInfo[];
  /** Bytes the removed entries and orphans held. */
  freedBytes: number;
  /** Entries that stay. */
  kept: CacheEntry[];
  failed: { name: string; error: unknown }[];
}

export async function prune(
  backend: Backend,
  layout: Layout,
  policy: PrunePolicy,
  now: Date = new Date(),
): Promise<PruneResult> {
  const scan = await scanRepository(backend, layout);
  // Every manifest counts when deciding what is an orphan, not just the filtered ones.
  const all = await readEntries(backend, layout, scan, {});
  const inScope = (scope: string): boolean => policy.scope === undefined || scope === policy.scope;
  const candidates = all.filter(
    (e) => inScope(e.scope) && matches(e, { keyPrefix: policy.keyPrefix }),
  );

  const reasons = new Map<CacheEntry, PruneReason>();
  if (policy.olderThanMs !== undefined) {
    const cutoff = now.getTime() - policy.olderThanMs;
    for (const e of candidates) if (e.lastModified.getTime() < cutoff) reasons.set(e, 'older-than');
  }
  if (policy.keep !== undefined) {
    const seen = new Map<string, number>();
    for (const e of candidates) {
      // candidates are newest first.
      const group = `${e.scope}\n${e.version}`;
      const n = (seen.get(group) ?? 0) + 1;
      seen.set(group, n);
      if (n > policy.keep && !reasons.has(e)) reasons.set(e, 'keep');
    }
  }
  if (policy.maxSizeBytes !== undefined) {
    const survivors = candidates.filter((e) => !reasons.has(e));
    let total = survivors.reduce((sum, e) => sum + e.size, 0);
    for (const e of [...survivors].reverse()) {
      if (total <= policy.maxSizeBytes) break;
      reasons.set(e, 'max-size');
      total -= e.size;
    }
  }

  // Archives a manifest names, even a manifest outside the filter or one that is being deleted
  // now: deleteEntries removes those archives itself.
  const referenced = new Set(all.map((e) => e.archiveName).filter(Boolean));
  // A folder holding an unreadable manifest may hold the archive it names: leave that folder's
  // archives alone until the bad entry itself is pruned.
  const unsure = new Set(
    all.filter((e) => !e.manifest).map((e) => layout.archiveFolder(e.manifestName)),
  );
  const orphanCutoff = now.getTime() - OrphanGraceMs;
  const orphans = scan.archives.filter(
    (a) =>
      inScope(a.scope) &&
      !referenced.has(a.name) &&
      !unsure.has(a.name.slice(0, a.name.lastIndexOf('/') + 1)) &&
      a.lastModified.getTime() < orphanCutoff,
  );

  const removed = candidates
    .filter((e) => reasons.has(e))
    .reverse()
    .map((entry) => ({ entry, reason: reasons.get(entry)! }));
  const result: PruneResult = {
    removed,
    orphans,
    freedBytes:
      removed.reduce((s, r) => s + r.entry.size, 0) + orphans.reduce((s, o) => s + o.size, 0),
    kept: candidates.filter((e) => !reasons.has(e)),
    failed: [],
  };
  if (policy.dryRun) return result;

  const outcome = await deleteEntries(
    backend,
    removed.map((r) => r.entry),
  );
  result.failed.push(
    ...outcome.failed.map((f) => ({ name: f.entry.manifestName, error: f.error })),
  );
  await mapLimit(orphans, DELETE_CONCURRENCY, async (o) => {
    try {
      await backend.delete(o.name);
    } catch (error) {
      result.failed.push({ name: o.name, error });
    }
  });
  if (result.failed.length) {
    const failedNames = new Set(result.failed.map((f) => f.name));
    result.removed = result.removed.filter((r) => !failedNames.has(r.entry.manifestName));
    result.orphans = result.orphans.filter((o) => !failedNames.has(o.name));
    result.freedBytes =
      result.removed.reduce((s, r) => s + r.entry.size, 0) +
      result.orphans.reduce((s, o) => s + o.size, 0);
  }
  return result;
}
