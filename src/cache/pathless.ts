import type { CompressionMethod } from '../archive/archiver.js';
import { UnsafeArchiveError } from '../errors.js';
import type { Backend } from '../storage/backend.js';
import { cacheVersion, decodeSegment } from './keys.js';
import { indexedManifest, type Layout, type ScopeName } from './layout.js';
import type { EntryManifest } from './manifest.js';
import { coveringPrefixes, type KeyMatch, pickNewest } from './resolve-key.js';

/**
 * Restore without paths (`bucket-cache restore --key K`, a plugin step without `mount`): the
 * entry is found through the key index (Layout.indexName) and restores the paths its manifest
 * recorded. One listing per scope, all scopes at once, then the manifest: two round trips.
 */

/** A match found through the index: the version is known, the method only from its manifest. */
export type IndexedMatch = Omit<KeyMatch, 'method' | 'manifestSize'>;

export interface IndexedRequest {
  layout: Layout;
  primaryKey: string;
  restoreKeys: readonly string[];
  scopes: readonly ScopeName[];
}

/**
 * resolveKey's order without versions: per scope, the exact primary key (its newest version),
 * then the primary key and each restore key as a prefix, newest first.
 */
export async function resolveIndexedKey(
  backend: Backend,
  req: IndexedRequest,
): Promise<IndexedMatch | undefined> {
  const keyPrefixes = [req.primaryKey, ...req.restoreKeys];
  const lookups = req.scopes.map((scope) => {
    const prefixes = keyPrefixes.map((k) => req.layout.indexPrefix(scope, k));
    const listed = Promise.all(coveringPrefixes(prefixes).map((p) => backend.list(p)));
    listed.catch(() => undefined); // read in order below; a decided lookup drops the rest
    return { scope, prefixes, listed };
  });
  for (const { scope, prefixes, listed } of lookups) {
    const objects = (await listed).flat().filter((o) => indexedManifest(o.name) !== undefined);
    const exact = pickNewest(objects.filter((o) => o.name.startsWith(`${prefixes[0]!}/`)));
    const found =
      exact ??
      prefixes.map((p) => pickNewest(objects.filter((o) => o.name.startsWith(p)))).find(Boolean);
    if (!found) continue;
    const { manifestName, encodedKey, version } = indexedManifest(found.name)!;
    let key: string;
    try {
      key = decodeSegment(encodedKey);
    } catch {
      continue; // not our encoding: a foreign object
    }
    return { key, manifestName, scope, exact: key === req.primaryKey, version };
  }
  return undefined;
}

/** The paths and method a path-less restore uses, or why this runner should not take the entry. */
export type PathlessEntry =
  { ok: true; paths: string[]; method: CompressionMethod } | { ok: false; reason: string };

/**
 * Checks a manifest found through the index. Its recorded paths must hash, with its compression,
 * to the version folder it sits in, exactly as a restore given those paths would look it up: a
 * manifest whose paths were altered is refused. One saved on another OS (or with the other
 * enableCrossOsArchive) is not for this runner, as with paths given. A zstd entry on a runner
 * without zstd fails at extraction with a message that says to install it.
 */
export function pathlessEntry(
  manifest: EntryManifest,
  match: IndexedMatch,
  opts: { enableCrossOsArchive: boolean; platform: NodeJS.Platform },
): PathlessEntry {
  const { paths, compression } = manifest;
  if (paths.length === 0) throw new UnsafeArchiveError(`entry ${match.key} records no paths`);
  const version = (crossOs: boolean, platform: NodeJS.Platform): string =>
    cacheVersion({ paths, compression, enableCrossOsArchive: crossOs, platform });
  if (version(opts.enableCrossOsArchive, opts.platform) !== match.version) {
    const other = opts.platform === 'win32' ? 'linux' : 'win32';
    const elsewhere = [version(!opts.enableCrossOsArchive, opts.platform), version(false, other)];
    if (!elsewhere.includes(match.version)) {
      throw new UnsafeArchiveError(
        `entry ${match.key}'s manifest records paths that do not belong to its version: refusing it`,
      );
    }
    return {
      ok: false,
      reason: `entry ${match.key} was saved on another OS or with another enableCrossOsArchive setting`,
    };
  }
  // Absolute lines inside the saving workspace restore into this one (members are stored
  // relative to the workspace either way).
  return { ok: true, paths: manifest.portablePaths ?? paths, method: compression };
}
