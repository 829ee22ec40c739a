import type { Backend, ObjectInfo } from '../storage/backend.js';
import type { Layout, ScopeName } from './layout.js';

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
 */
export async function resolveKey(
  backend: Backend,
  req: ResolveRequest,
): Promise<KeyMatch | undefined> {
  for (const scope of req.scopes) {
    const exactName = req.layout.manifestName(scope, req.version, req.primaryKey);
    const exact = await backend.stat(exactName);
    if (exact) {
      return {
        key: req.primaryKey,
        manifestName: exactName,
        manifestSize: exact.size,
        scope,
        exact: true,
      };
    }
    for (const keyPrefix of [req.primaryKey, ...req.restoreKeys]) {
      const prefix = req.layout.manifestPrefix(scope, req.version, keyPrefix);
      const newest = pickNewest(await backend.list(prefix));
      if (newest) {
        const key = decodeKey(newest.name, prefix, keyPrefix);
        return {
          key,
          manifestName: newest.name,
          manifestSize: newest.size,
          scope,
          exact: key === req.primaryKey,
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
