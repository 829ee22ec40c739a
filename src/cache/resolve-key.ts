import type { Backend, ObjectInfo } from '../storage/backend.js';
import type { Layout, ScopeName } from './layout.js';

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
}

export interface ResolveRequest {
  layout: Layout;
  version: string;
  primaryKey: string;
  restoreKeys: readonly string[];
  scopes: readonly ScopeName[];
}

/**
 * Per scope in order: the exact primary key, then the primary key and each restore key as a
 * prefix, in the order given; within a prefix the newest entry wins, ties going to the greatest
 * name because stores report whole-second times.
 *
 * That order is kept, but the requests are not made in it: every scope's stat of the exact name
 * and its listings start at once, so a miss costs one round trip instead of one per scope and
 * prefix (a pull request with two restore keys paid twelve in a row). A scope is listed once per
 * covering prefix: restore keys are usually prefixes of one another and of the primary key, so
 * listing the shortest finds every candidate, and the others are picked from that one listing.
 * Answers are then read in precedence order; the requests a decided lookup did not need are
 * abandoned (their errors ignored).
 */
export async function resolveKey(
  backend: Backend,
  req: ResolveRequest,
): Promise<KeyMatch | undefined> {
  const keyPrefixes = [req.primaryKey, ...req.restoreKeys];
  const lookups = req.scopes.map((scope) => {
    const exactName = req.layout.manifestName(scope, req.version, req.primaryKey);
    const prefixes = keyPrefixes.map((k) => req.layout.manifestPrefix(scope, req.version, k));
    const exact = backend.stat(exactName);
    const listed = Promise.all(coveringPrefixes(prefixes).map((p) => backend.list(p)));
    // Read in order below; one that is never read must not become an unhandled rejection.
    exact.catch(() => undefined);
    listed.catch(() => undefined);
    return { scope, exactName, prefixes, exact, listed };
  });

  for (const { scope, exactName, prefixes, exact, listed } of lookups) {
    const hit = await exact;
    if (hit) {
      return {
        key: req.primaryKey,
        manifestName: exactName,
        manifestSize: hit.size,
        manifestEtag: hit.etag,
        scope,
        exact: true,
      };
    }
    const objects = (await listed).flat();
    for (const [i, prefix] of prefixes.entries()) {
      const newest = pickNewest(objects.filter((o) => o.name.startsWith(prefix)));
      if (newest) {
        const key = decodeKey(newest.name, prefix, keyPrefixes[i]!);
        return {
          key,
          manifestName: newest.name,
          manifestSize: newest.size,
          manifestEtag: newest.etag,
          scope,
          exact: key === req.primaryKey,
        };
      }
    }
  }
  return undefined;
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
  let best: ObjectInfo | undefined;
  for (const o of objects) {
    const t = o.lastModified.getTime();
    const bt = best?.lastModified.getTime();
    if (!best || t > bt! || (t === bt && o.name > best.name)) best = o;
  }
  return best;
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
