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
 * match wins, so an exact gzip hit still beats a zstd restore-key match. Exact keys are tried one
 * version after another (a zstd hit stays one request); prefix listings go to every version at
 * once, so the fallback costs no extra round trip in time.
 */
export async function resolveKey(
  backend: Backend,
  req: ResolveRequest,
): Promise<KeyMatch | undefined> {
  for (const scope of req.scopes) {
    for (const v of req.versions) {
      const name = req.layout.manifestName(scope, v.version, req.primaryKey);
      const info = await backend.stat(name);
      if (info) {
        return {
          key: req.primaryKey,
          manifestName: name,
          manifestSize: info.size,
          scope,
          exact: true,
          version: v.version,
          method: v.method,
        };
      }
    }
    for (const keyPrefix of [req.primaryKey, ...req.restoreKeys]) {
      const found = await Promise.all(
        req.versions.map(async (v) => {
          const prefix = req.layout.manifestPrefix(scope, v.version, keyPrefix);
          const newest = pickNewest(await backend.list(prefix));
          return newest && { newest, prefix, v };
        }),
      );
      const best = found.find((f) => f !== undefined);
      if (best) {
        const key = decodeKey(best.newest.name, best.prefix, keyPrefix);
        return {
          key,
          manifestName: best.newest.name,
          manifestSize: best.newest.size,
          scope,
          exact: key === req.primaryKey,
          version: best.v.version,
          method: best.v.method,
        };
      }
    }
  }
  return undefined;
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
