import { pipeline } from 'node:stream/promises';

import type { Archiver, CompressionMethod, ExtractOptions } from '../archive/archiver.js';
import type { SpaceMargin } from '../archive/disk-space.js';
import { restoreRoots } from '../archive/restore-roots.js';
import type { RunContext } from '../context.js';
import { errorMessage, UnsafeArchiveError } from '../errors.js';
import { formatBytes, formatTransfer, type Logger } from '../logger.js';
import type { CacheSettings, TransferSettings } from '../settings.js';
import type { Backend } from '../storage/backend.js';
import { isLender } from '../util/chunks.js';
import { firstUsable } from './fall-through.js';
import { validateKeys } from './keys.js';
import { describeScope, restoreVersions } from './layout.js';
import { type EntryManifest, MaxManifestBytes, parseManifest } from './manifest.js';
import { type IndexedMatch, pathlessEntry, resolveIndexedKey } from './pathless.js';
import { readBounded } from './read-bounded.js';
import { type KeyMatch, resolveCandidates } from './resolve-key.js';
import { restoreScopes, saveScope } from './scopes.js';
import { HashCounter, lendThrough, watchTransfer } from './transfer.js';
import { unusableEntry, type UnusableReport } from './unusable.js';
import { trackUse } from './usage.js';

export interface CacheDeps {
  backend: Backend;
  archiver: Archiver;
  logger: Logger;
  /** The clock for last-use markers; default the system's. */
  now?: () => Date;
}

export interface RestoreRequest {
  cache: CacheSettings;
  transfer: TransferSettings;
  context: RunContext;
  method: CompressionMethod;
  /** A private scratch directory; the caller removes it. */
  tempDir: string;
  platform?: NodeJS.Platform;
  /** Cancels the restore (SIGTERM): nothing is moved into place after it fires. */
  signal?: AbortSignal;
  /** Free space the restore leaves at its staging locations; default DefaultSpaceMargin. */
  spaceMargin?: SpaceMargin;
}

export interface RestoreResult extends UnusableReport {
  primaryKey: string;
  /** Key of the entry found, also in lookup-only mode. */
  matchedKey?: string;
  /** The primary key itself matched. */
  exact: boolean;
  /** Files were written to the workspace. */
  restored: boolean;
  /** Archive bytes of the matched entry. */
  size?: number;
  /** Where it was found (ref or "repository"). */
  scope?: string;
  /** The path list restored: the caller's, or for a restore without paths the entry's. */
  paths?: string[];
}

/**
 * Finds the best entry, downloads it while checking its members, proves it whole, then extracts
 * it inside the paths.
 */
export async function restoreCache(deps: CacheDeps, req: RestoreRequest): Promise<RestoreResult> {
  const { backend, logger } = deps;
  const { cache, context } = req;
  validateKeys(cache.key, cache.restoreKeys);
  const { layout, versions } = restoreVersions(cache, context, req.method, req.platform);
  const scopes = restoreScopes(cache.scope, context);
  logger.debug(
    `versions ${versions.map((v) => `${v.version} (${v.method})`).join(', ')}; scopes ${scopes.map(describeScope).join(', ')}`,
  );

  // Without paths (the CLI's restore --key K): the entry is found through the key index.
  const pathless = cache.paths.length === 0;
  const lookup = { layout, primaryKey: cache.key, restoreKeys: cache.restoreKeys, scopes };
  const candidates: AsyncIterable<KeyMatch | IndexedMatch> = pathless
    ? (async function* () {
        const m = await resolveIndexedKey(backend, lookup);
        if (m) yield m;
      })()
    : resolveCandidates(backend, { ...lookup, versions });
  const miss: RestoreResult = { primaryKey: cache.key, exact: false, restored: false };
  // The primary key's own entry where this run saves: if it proves unusable, the next save of
  // the key may replace exactly it (its ETag), instead of skipping because it exists.
  const saved = versions[0]!;
  const ownName = layout.manifestName(
    saveScope(cache.scope, context, cache.allowUntrustedSave),
    saved.version,
    cache.key,
  );
  const found = await firstUsable(candidates, restoreMatch, {
    logger,
    signal: req.signal,
    ownEntry: (m) =>
      !pathless && m.exact && m.manifestName === ownName
        ? unusableEntry(ownName, m.manifestEtag)
        : undefined,
  });
  if (!found) {
    logger.info(
      `Cache not found for input keys: ${[cache.key, ...cache.restoreKeys].join(', ')} ` +
        `(searched ${scopes.map(describeScope).join(', ')} in ${backend.description}, ${pathless ? 'any paths' : `${versions.map((v) => v.method).join(' or ')} archives`})`,
    );
    return miss;
  }
  return found.unusable ? { ...found.result, unusable: found.unusable } : found.result;

  async function restoreMatch(m: KeyMatch | IndexedMatch): Promise<RestoreResult> {
    const scope = describeScope(m.scope);
    const manifest = await readManifest(
      backend,
      m.manifestName,
      'manifestSize' in m ? m.manifestSize : undefined,
      { version: m.version, archiveFolder: layout.archiveFolder(m.manifestName) },
    );
    const entry =
      'method' in m
        ? { ok: true as const, paths: cache.paths, method: m.method }
        : pathlessEntry(manifest, m, {
            enableCrossOsArchive: cache.enableCrossOsArchive,
            platform: req.platform ?? process.platform,
          });
    if (!entry.ok) {
      logger.info(`Cache not restored: ${entry.reason}.`);
      return miss;
    }
    if (pathless) logger.info(`Paths saved with key ${m.key}: ${entry.paths.join(', ')}`);
    const found = {
      ...miss,
      matchedKey: m.key,
      exact: m.exact,
      size: manifest.size,
      scope,
      paths: entry.paths,
    };
    if (cache.lookupOnly) {
      logger.info(
        `Cache found and can be restored from key: ${m.key} (${scope}, ${formatBytes(manifest.size)}); lookup-only, nothing downloaded`,
      );
      return found;
    }

    // The marker lookup overlaps the download; the write (first use of the day) comes after.
    const use = trackUse(backend, m.manifestName, { logger, now: deps.now });
    const started = Date.now();
    // Glob patterns write only below the roots they matched at save (checked against them).
    const roots = restoreRoots(entry.paths, context.workspace, manifest.roots);
    const stats = await downloadAndExtract(deps, manifest, req.transfer, {
      workspace: context.workspace,
      // The entry's method: a zstd runner may have found a gzip entry.
      method: entry.method,
      allowedRoots: roots.staging,
      memberRoots: roots.members,
      maxTarBytes: manifest.tarSize,
      spaceMargin: req.spaceMargin,
      scratchDir: req.tempDir,
      signal: req.signal,
    });
    logger.info(
      `Cache restored from key: ${m.key} (${scope}): ${formatTransfer(manifest.size, Date.now() - started)}, ` +
        `${stats.members} members, ${formatBytes(stats.bytes)} unpacked`,
    );
    await use.record();
    return { ...found, restored: true };
  }
}

async function readManifest(
  backend: Backend,
  name: string,
  size: number | undefined,
  expected: { version: string; archiveFolder: string },
): Promise<EntryManifest> {
  // The size comes from the stat or listing that found the entry: no second round trip. Found
  // through the key index, it is unknown: the read stops past the limit instead.
  if (size !== undefined && size > MaxManifestBytes) {
    throw new UnsafeArchiveError(`manifest ${name} is ${size} bytes; refusing to read it`);
  }
  const bytes = await readBounded(await backend.get(name, { size }), MaxManifestBytes, name);
  try {
    return parseManifest(bytes, expected);
  } catch (err) {
    // Only the parse is in here: whatever it refuses is a bad entry, not a storage failure.
    throw new UnsafeArchiveError(`entry ${name} has a bad manifest: ${errorMessage(err)}`);
  }
}

/**
 * The restore stream: the download (parallel ranged reads) is hashed as it passes into the
 * extraction (decompressor → member gate → tar -x into staging), so downloading, unpacking and
 * writing overlap. The staged tree moves into the declared paths only once the archive's size
 * and sha256 matched the manifest; in every other case it is discarded and the paths are as
 * they were.
 */
async function downloadAndExtract(
  deps: CacheDeps,
  m: EntryManifest,
  transfer: TransferSettings,
  opts: ExtractOptions,
): Promise<{ members: number; bytes: number }> {
  const watch = watchTransfer('download', transfer);
  const signal = opts.signal ? AbortSignal.any([opts.signal, watch.signal]) : watch.signal;
  const extraction = deps.archiver.extract({ ...opts, signal });
  const counter = new HashCounter(watch.progress);
  try {
    const downloaded = deps.backend
      .get(m.archive, { size: m.size, signal, onProgress: watch.progress })
      .then((body) =>
        // A download that lends its buffers keeps memory flat: see Lender.
        isLender(body)
          ? lendThrough(body.lend(), (e) => body.destroy(e), counter, extraction.input, signal)
          : pipeline(body, counter, extraction.input, { signal }),
      );
    // A request that fails before its body exists must stop the extraction too.
    downloaded.catch((err: unknown) => extraction.input.destroy(err as Error));
    // A refused member destroys the extraction's input, which stops the download at once.
    const [dl, staged] = await Promise.allSettled([downloaded, extraction.staged]);
    if (signal.aborted) throw signal.reason as Error;
    // A body that ended short also breaks the tar stream; say what really happened.
    if (dl.status === 'fulfilled' || counter.sourceEnded) checkSize(m, counter);
    if (dl.status === 'fulfilled') {
      const sha = counter.digest();
      if (sha !== m.sha256) {
        throw new UnsafeArchiveError(
          `archive ${m.archive} has sha256 ${sha} but its manifest says ${m.sha256}: refusing to restore it`,
        );
      }
    }
    if (staged.status === 'rejected') throw staged.reason;
    if (dl.status === 'rejected') throw dl.reason;
    // The last moment to cancel: once the move starts it runs to its end.
    if (signal.aborted) throw signal.reason as Error;
    watch.stop();
    await extraction.commit();
    return staged.value;
  } finally {
    watch.stop();
    await extraction.discard();
  }
}

function checkSize(m: EntryManifest, counter: HashCounter): void {
  if (counter.bytes !== m.size) {
    throw new UnsafeArchiveError(
      `archive ${m.archive} is ${counter.bytes} bytes but its manifest says ${m.size}: refusing to restore it`,
    );
  }
}
