import type { CompressionMethod } from '../archive/archiver.js';
import type { Backend, ObjectInfo } from '../storage/backend.js';
import type { EntryVersion, Layout, ScopeName } from './layout.js';

export interface KeyMatch {
  /** The key of the matched entry (decoded). */
  key: string;
  /** Manifest object name of the matched entry. */
  manifestName: string;
  /** Bytes of the manifest object, as the stat or listing reported it. */
  manifestSize: number;
  /** Its ETag (or version token), when the store reports one. */
  manifestEtag?: string;
  scope: ScopeName;
  /** True when the primary key itself matched (the only cache-hit=true case). */
  exact: boolean;
  /** The version the entry was found in, and how its archive is compressed. */
  version: string;
  method: CompressionMethod;
}

export interface ResolveRequest {
  layout: Layout;
  /** Versions to look in, best first (restoreVersions): a zstd runner also reads gzip entries. */
  versions: readonly EntryVersion[];
  primaryKey: string;
  restoreKeys: readonly string[];
  scopes: readonly ScopeName[];
}

/**
 * Per scope in order: the exact primary key, then the primary key and each restore key as a
 * prefix, in the order given; within a prefix the newest entry wins, ties going to the greatest
 * name because stores report whole-second times. At each step the first (best) version with a
 * match wins (zstd before gzip), so an exact gzip hit still beats a zstd restore-key match.
 *
 * That order is kept, but the requests are not made in it: every scope's stats of the exact name
 * (one per version) and its listings start at once, so a miss costs one round trip instead of one
 * per scope, version and prefix (a pull request with two restore keys paid twelve in a row). A
 * scope is listed once per version and covering prefix: restore keys are usually prefixes of one
 * another and of the primary key, so listing the shortest finds every candidate, and the others
 * are picked from that one listing. Answers are then read in precedence order; the requests a
 * decided lookup did not need are abandoned (their errors ignored).
 */
export async function resolveKey(
  backend: Backend,
  req: ResolveRequest,
): Promise<KeyMatch | undefined> {
  for await (const match of resolveCandidates(backend, req)) return match;
  return undefined;
}

/**
 * Every entry that matches, best first, in resolveKey's order: after the best one, the
 * next-newest match of the same prefix, then the matches of later versions, prefixes and scopes.
 * A restore that finds an entry unusable takes the next one. The listings that found the first
 * hold the rest, so the common case costs no extra round trip; a later scope's answers are only
 * awaited (and their failures only thrown) when the candidates before them ran out.
 */
export async function* resolveCandidates(
  backend: Backend,
  req: ResolveRequest,
): AsyncGenerator<KeyMatch, void, undefined> {
  const keyPrefixes = [req.primaryKey, ...req.restoreKeys];
  const lookups = req.scopes.map((scope) => {
    const perVersion = req.versions.map((v) => {
      const exactName = req.layout.manifestName(scope, v.version, req.primaryKey);
      const prefixes = keyPrefixes.map((k) => req.layout.manifestPrefix(scope, v.version, k));
      const exact = backend.stat(exactName);
      // Read in order below; one that is never read must not become an unhandled rejection.
      exact.catch(() => undefined);
      return { v, exactName, prefixes, exact };
    });
    // Versions are separate folders, so covering prefixes of all versions never overlap.
    const all = perVersion.flatMap((p) => p.prefixes);
    const listed = Promise.all(coveringPrefixes(all).map((p) => backend.list(p)));
    listed.catch(() => undefined);
    return { scope, perVersion, listed };
  });

  // One entry can match several prefixes (and the exact name is in the primary key's listing).
  const seen = new Set<string>();
  for (const { scope, perVersion, listed } of lookups) {
    for (const { v, exactName, exact } of perVersion) {
      const hit = await exact;
      if (hit && !seen.has(exactName)) {
        seen.add(exactName);
        yield {
          key: req.primaryKey,
          manifestName: exactName,
          manifestSize: hit.size,
          manifestEtag: hit.etag,
          scope,
          exact: true,
          version: v.version,
          method: v.method,
        };
      }
    }
    const objects = (await listed).flat();
    for (const [i, keyPrefix] of keyPrefixes.entries()) {
      for (const { v, prefixes } of perVersion) {
        const prefix = prefixes[i]!;
        const matches = objects.filter((o) => o.name.startsWith(prefix) && !seen.has(o.name));
        for (const o of newestFirst(matches)) {
          seen.add(o.name);
          const key = decodeKey(o.name, prefix, keyPrefix);
          yield {
            key,
            manifestName: o.name,
            manifestSize: o.size,
            manifestEtag: o.etag,
            scope,
            exact: key === req.primaryKey,
            version: v.version,
            method: v.method,
          };
        }
      }
    }
  }
}

/**
 * The fewest listing prefixes whose listings hold every name starting with any of `prefixes`:
 * a prefix that starts with another one is covered by it. Two covering prefixes are never
 * prefixes of one another, so their listings never overlap.
 */
export function coveringPrefixes(prefixes: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of [...new Set(prefixes)].sort((a, b) => a.length - b.length)) {
    if (!out.some((q) => p.startsWith(q))) out.push(p);
  }
  return out;
}

export function pickNewest(objects: readonly ObjectInfo[]): ObjectInfo | undefined {
  return newestFirst(objects)[0];
}

/** Newest first; equal times (whole-second stores) go to the greater name first. */
export function newestFirst(objects: readonly ObjectInfo[]): ObjectInfo[] {
  return [...objects].sort(
    (a, b) =>
      b.lastModified.getTime() - a.lastModified.getTime() ||
      (a.name < b.name ? 1 : a.name > b.name ? -1 : 0),
  );
}

/** The listing returns full names; the key is the decoded tail after the keys/ folder. */
function decodeKey(name: string, prefix: string, keyPrefix: string): string {
  const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(name.slice(folder.length));
  } catch {
    // A foreign object that is not our encoding: report what we searched for.
    return keyPrefix;
  }
}
