import { buffer } from 'node:stream/consumers';

import { errorMessage, NotFoundError } from '../errors.js';
import type { Backend, ObjectInfo } from '../storage/backend.js';
import { mapLimit } from '../util/map-limit.js';
import { decodeSegment } from './keys.js';
import { indexedManifest, type Layout } from './layout.js';
import { type EntryManifest, MaxManifestBytes, parseManifest } from './manifest.js';

/**
 * Entry management for the `list`, `delete` and `prune` commands: everything is derived from one
 * listing of the repository's folder plus a read of each manifest, so no store needs more than
 * the Backend interface offers.
 */

/** One committed entry: a manifest at a key's name and, when the manifest is sound, its archive. */
export interface CacheEntry {
  /** "owner/name" of the repository the entry belongs to. */
  repository: string;
  key: string;
  /** A full ref ("refs/heads/main") or "repository". */
  scope: string;
  /** Version hash: path list, compression and platform. */
  version: string;
  /** Archive bytes: the archive object's size, else the manifest's claim; 0 when unknown. */
  size: number;
  /** When the manifest (the commit point) was written. */
  lastModified: Date;
  /** The last restore (its usage marker), or lastModified if it is later or there is none. */
  lastUsed: Date;
  manifestName: string;
  /** The usage marker object, when one exists. */
  usageMarker?: string;
  /** The key index object, when one exists. */
  indexName?: string;
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

/** Where an object sits in our layout. */
export interface Placed extends ObjectInfo {
  /** "owner/name", decoded. */
  repository: string;
  scope: string;
  version: string;
}

/** What one listing holds, sorted into our layout's parts. */
export interface Scan {
  manifests: (Placed & { key: string })[];
  archives: Placed[];
  /** Usage markers (see usage.ts), keyed by the manifest name they belong to. */
  markers: Map<string, Placed>;
  /** Key index objects (Layout.indexName), keyed by the manifest name they lead to. */
  indexes: Map<string, Placed>;
  /** Objects under the listed folder that our layout does not explain; never touched. */
  foreign: ObjectInfo[];
}

/** Manifests read in parallel: each is one small GET. */
const READ_CONCURRENCY = 16;
/** Deletes in parallel. */
export const DELETE_CONCURRENCY = 8;
/** An archive no manifest names is only garbage once a save that wrote it must have finished. */
export const OrphanGraceMs = 24 * 60 * 60 * 1000;

/** Every entry of the layout's repository that matches `filter`, newest first. */
export async function listEntries(
  backend: Backend,
  layout: Layout,
  filter: EntryFilter = {},
): Promise<CacheEntry[]> {
  const root = layout.repositoryRoot();
  const scan = scanObjects(await backend.list(root), root, layout.repository());
  return readEntries(backend, scan, filter);
}

/**
 * Sorts a listing of `root` into manifests, archives and usage markers. With `repository`, `root`
 * is that repository's folder; without, it is the prefix's folder and names start with the
 * encoded owner and repository. Only names our layout could have written are recognised: a
 * version is a sha256, folders are keys, archives or used.
 */
export function scanObjects(
  objects: readonly ObjectInfo[],
  root: string,
  repository?: { owner: string; repo: string },
): Scan {
  const scan: Scan = {
    manifests: [],
    archives: [],
    markers: new Map(),
    indexes: new Map(),
    foreign: [],
  };
  for (const o of objects) {
    const parts = o.name.slice(root.length).split('/');
    let owner = repository?.owner;
    let repo = repository?.repo;
    if (!repository) {
      owner = decodeOrUndefined(parts.shift() ?? '');
      repo = decodeOrUndefined(parts.shift() ?? '');
    }
    const indexed = parts[1] === 'idx' ? indexedManifest(o.name) : undefined;
    if (indexed && parts.length === 4 && owner && repo && o.name.startsWith(root)) {
      const scope = decodeScope(parts[0]!);
      if (scope !== undefined && decodeOrUndefined(indexed.encodedKey) !== undefined) {
        const placed = { ...o, repository: `${owner}/${repo}`, scope, version: indexed.version };
        scan.indexes.set(indexed.manifestName, placed);
        continue;
      }
    }
    const [scopeSeg, version, folder, leaf] = parts;
    const scope = parts.length === 4 ? decodeScope(scopeSeg!) : undefined;
    const key = leaf ? decodeOrUndefined(leaf) : undefined;
    if (
      !o.name.startsWith(root) ||
      !owner ||
      !repo ||
      scope === undefined ||
      !/^[0-9a-f]{64}$/.test(version ?? '') ||
      !leaf
    ) {
      scan.foreign.push(o);
      continue;
    }
    const placed: Placed = { ...o, repository: `${owner}/${repo}`, scope, version: version! };
    if (folder === 'archives') scan.archives.push(placed);
    else if (folder === 'keys' && key !== undefined) scan.manifests.push({ ...placed, key });
    else if (folder === 'used' && key !== undefined)
      scan.markers.set(
        o.name.slice(0, o.name.length - leaf.length - 'used/'.length) + `keys/${leaf}`,
        placed,
      );
    else scan.foreign.push(o);
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
    return encoded ? decodeSegment(encoded) : undefined;
  } catch {
    return undefined;
  }
}

export function matches(m: { key: string; scope: string }, filter: EntryFilter): boolean {
  if (filter.key !== undefined && m.key !== filter.key) return false;
  if (filter.keyPrefix !== undefined && !m.key.startsWith(filter.keyPrefix)) return false;
  if (filter.scope !== undefined && m.scope !== filter.scope) return false;
  return true;
}

/** The folder an entry's archive must live in: beside its manifest's keys/ folder. */
function archiveFolder(manifestName: string): string {
  const cut = manifestName.lastIndexOf('/keys/');
  return `${manifestName.slice(0, cut)}/archives/`;
}

/** Reads the manifests of `scan` that match `filter`; newest first. */
export async function readEntries(
  backend: Backend,
  scan: Scan,
  filter: EntryFilter,
): Promise<CacheEntry[]> {
  const archiveSizes = new Map(scan.archives.map((a) => [a.name, a.size]));
  const selected = scan.manifests.filter((m) => matches(m, filter));
  const entries = await mapLimit(selected, READ_CONCURRENCY, async (m) => {
    const marker = scan.markers.get(m.name);
    const entry: CacheEntry = {
      repository: m.repository,
      key: m.key,
      scope: m.scope,
      version: m.version,
      size: 0,
      lastModified: m.lastModified,
      lastUsed:
        marker && marker.lastModified > m.lastModified ? marker.lastModified : m.lastModified,
      manifestName: m.name,
      usageMarker: marker?.name,
      indexName: scan.indexes.get(m.name)?.name,
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
        archiveFolder: archiveFolder(m.name),
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
 * Removes each entry: the manifest first, so restores stop finding it, then the archive it named,
 * then its usage marker and key index. A failure leaves at worst an orphan, which `prune` collects later.
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
      if (entry.usageMarker) await backend.delete(entry.usageMarker);
      if (entry.indexName) await backend.delete(entry.indexName);
      outcome.deleted.push(entry);
    } catch (error) {
      outcome.failed.push({ entry, error });
    }
  });
  return outcome;
}
