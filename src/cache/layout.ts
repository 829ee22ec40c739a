import type { CompressionMethod } from '../archive/archiver.js';
import { Inputs, Limits } from '../constants.js';
import type { RunContext } from '../context.js';
import { ValidationError } from '../errors.js';
import type { CacheSettings } from '../settings.js';
import { cacheVersion, encodeSegment } from './keys.js';

/**
 * Where entries live in a store:
 *
 *   <prefix>/<owner>/<repo>/<scope>/<version>/keys/<key>            manifest (the commit point)
 *   <prefix>/<owner>/<repo>/<scope>/<version>/archives/<id><ext>    immutable archive
 *   <prefix>/<owner>/<repo>/<scope>/idx/<key>/<version>             key index (restore by key)
 *
 * Every part but the user's prefix is encoded, so no key, ref or repository name can leave its
 * own folder. Manifests and archives live in sibling folders so a key-prefix listing sees only
 * manifests.
 */
export class Layout {
  constructor(
    private readonly prefix: string,
    private readonly owner: string,
    private readonly repo: string,
  ) {}

  /** The folder of one scope: a ref ("refs/heads/main") or the shared repository scope. */
  scopeRoot(scope: ScopeName): string {
    const seg = scope.kind === 'repository' ? 'repository' : `ref-${encodeSegment(scope.ref)}`;
    return [this.prefix, encodeSegment(this.owner), encodeSegment(this.repo), seg]
      .filter(Boolean)
      .join('/');
  }

  /** Everything this repository owns in the store (for list, delete and prune). */
  repositoryRoot(): string {
    return (
      [this.prefix, encodeSegment(this.owner), encodeSegment(this.repo)].filter(Boolean).join('/') +
      '/'
    );
  }

  repository(): { owner: string; repo: string } {
    return { owner: this.owner, repo: this.repo };
  }

  manifestName(scope: ScopeName, version: string, key: string): string {
    return checkLength(`${this.scopeRoot(scope)}/${version}/keys/${encodeSegment(key)}`, key);
  }

  /** The listing prefix that finds every key starting with `keyPrefix`. */
  manifestPrefix(scope: ScopeName, version: string, keyPrefix: string): string {
    return `${this.scopeRoot(scope)}/${version}/keys/${encodeSegment(keyPrefix)}`;
  }

  archiveName(scope: ScopeName, version: string, id: string, extension: string): string {
    return `${this.scopeRoot(scope)}/${version}/archives/${id}${extension}`;
  }

  /**
   * The key index: one tiny object per key and version, written after the manifest commits. The
   * version hashes the path list, so without paths a key's entries sit in folders nobody can
   * name; under `idx/<key>/` one listing finds them in every version (restore-key prefixes too).
   * It is a hint, never trusted: restore reads the manifest it leads to, and needs nothing else
   * from it. No longer than the manifest's name, so every valid key has one.
   */
  indexName(scope: ScopeName, key: string, version: string): string {
    return checkLength(`${this.scopeRoot(scope)}/idx/${encodeSegment(key)}/${version}`, key);
  }

  /** The listing prefix of every index object whose key starts with `keyPrefix`. */
  indexPrefix(scope: ScopeName, keyPrefix: string): string {
    return `${this.scopeRoot(scope)}/idx/${encodeSegment(keyPrefix)}`;
  }

  /** The folder an entry's archive must live in: a manifest naming anything else is refused. */
  archiveFolder(manifestName: string): string {
    const cut = manifestName.lastIndexOf('/keys/');
    return `${manifestName.slice(0, cut)}/archives/`;
  }
}

const INDEX_NAME = /^(.*)\/idx\/([^/]+)\/([0-9a-f]{64})$/;

/**
 * The manifest an index object stands for, with its encoded key and version; undefined for a
 * name that is not an index object.
 */
export function indexedManifest(
  indexName: string,
): { manifestName: string; encodedKey: string; version: string } | undefined {
  const m = INDEX_NAME.exec(indexName);
  if (!m) return undefined;
  const [, scopeRoot, encodedKey, version] = m as unknown as [string, string, string, string];
  return { manifestName: `${scopeRoot}/${version}/keys/${encodedKey}`, encodedKey, version };
}

/** The folder holding every repository's entries under `prefix` (already normalised). */
export function prefixRoot(prefix: string): string {
  return prefix ? `${prefix}/` : '';
}

export type ScopeName = { kind: 'ref'; ref: string } | { kind: 'repository' };

export function describeScope(scope: ScopeName): string {
  return scope.kind === 'repository' ? 'repository' : scope.ref;
}

function checkLength(name: string, key: string): string {
  if (Buffer.byteLength(name) > Limits.maxObjectNameBytes) {
    throw new ValidationError(
      `Key Validation Error: the object name for key ${JSON.stringify(key.slice(0, 60))} is ${Buffer.byteLength(name)} bytes once encoded; stores allow ${Limits.maxObjectNameBytes}. Use a shorter key or prefix (characters outside A-Z a-z 0-9 _ . - take three bytes each).`,
      Inputs.Key,
    );
  }
  return name;
}

/** Where a run's entries live: its repository's layout and the version its settings select. */
export function locateEntries(
  cache: Pick<CacheSettings, 'prefix' | 'paths' | 'enableCrossOsArchive'>,
  context: Pick<RunContext, 'owner' | 'repo'>,
  method: string,
  platform: NodeJS.Platform = process.platform,
): { layout: Layout; version: string } {
  return {
    layout: new Layout(cache.prefix, context.owner, context.repo),
    version: cacheVersion({
      paths: cache.paths,
      compression: method,
      enableCrossOsArchive: cache.enableCrossOsArchive,
      platform,
    }),
  };
}

/** One version a restore may read, and the method its archives are compressed with. */
export interface EntryVersion {
  version: string;
  method: CompressionMethod;
}

/**
 * The versions a restore looks in, best first. A runner that writes zstd also reads gzip entries
 * of the same paths (gzip is on every runner), so a fleet where some runners lack zstd still
 * shares caches; the compression is part of the version, so without this they never meet.
 */
export function restoreVersions(
  cache: Pick<CacheSettings, 'prefix' | 'paths' | 'enableCrossOsArchive'>,
  context: Pick<RunContext, 'owner' | 'repo'>,
  method: CompressionMethod,
  platform: NodeJS.Platform = process.platform,
): { layout: Layout; versions: EntryVersion[] } {
  const methods: CompressionMethod[] = method === 'zstd' ? ['zstd', 'gzip'] : [method];
  return {
    layout: new Layout(cache.prefix, context.owner, context.repo),
    versions: methods.map((m) => ({
      method: m,
      version: locateEntries(cache, context, m, platform).version,
    })),
  };
}
