import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';

import type {
  Archiver,
  CheckedArchive,
  CompressionMethod,
  ExtractOptions,
} from '../archive/archiver.js';
import { declaredRoots } from '../archive/paths.js';
import type { RunContext } from '../context.js';
import { errorMessage, UnsafeArchiveError } from '../errors.js';
import { formatBytes, formatTransfer, type Logger } from '../logger.js';
import type { CacheSettings, TransferSettings } from '../settings.js';
import type { Backend } from '../storage/backend.js';
import { validateKeys } from './keys.js';
import { describeScope, restoreVersions } from './layout.js';
import { type EntryManifest, MaxManifestBytes, parseManifest } from './manifest.js';
import { resolveKey } from './resolve-key.js';
import { restoreScopes } from './scopes.js';
import { HashCounter, watchTransfer } from './transfer.js';

export interface CacheDeps {
  backend: Backend;
  archiver: Archiver;
  logger: Logger;
}

export interface RestoreRequest {
  cache: CacheSettings;
  transfer: TransferSettings;
  context: RunContext;
  method: CompressionMethod;
  /** A private scratch directory for the download; the caller removes it. */
  tempDir: string;
  platform?: NodeJS.Platform;
}

export interface RestoreResult {
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

  const match = await resolveKey(backend, {
    layout,
    versions,
    primaryKey: cache.key,
    restoreKeys: cache.restoreKeys,
    scopes,
  });
  const miss: RestoreResult = { primaryKey: cache.key, exact: false, restored: false };
  if (!match) {
    logger.info(
      `Cache not found for input keys: ${[cache.key, ...cache.restoreKeys].join(', ')} ` +
        `(searched ${scopes.map(describeScope).join(', ')} in ${backend.description}, ${req.method} archives)`,
    );
    return miss;
  }
  const scope = describeScope(match.scope);
  const manifest = await readManifest(backend, match.manifestName, match.manifestSize, {
    version: match.version,
    archiveFolder: layout.archiveFolder(match.manifestName),
  });
  const found = { ...miss, matchedKey: match.key, exact: match.exact, size: manifest.size, scope };
  if (cache.lookupOnly) {
    logger.info(
      `Cache found and can be restored from key: ${match.key} (${scope}, ${formatBytes(manifest.size)}); lookup-only, nothing downloaded`,
    );
    return found;
  }

  const file = path.join(req.tempDir, `archive${path.extname(manifest.archive)}`);
  const started = Date.now();
  const archive = await download(deps, manifest, file, req.transfer, {
    workspace: context.workspace,
    // The match's method: a zstd runner may have found a gzip entry.
    method: match.method,
    allowedRoots: declaredRoots(cache.paths, context.workspace),
  });
  logger.info(
    `Downloaded and checked ${formatTransfer(manifest.size, Date.now() - started)} from ${match.key} (${scope})`,
  );

  const extractStarted = Date.now();
  await deps.archiver.extract(archive);
  logger.info(
    `Cache restored from key: ${match.key} (extracted in ${((Date.now() - extractStarted) / 1000).toFixed(1)} s)`,
  );
  return { ...found, restored: true };
}

async function readManifest(
  backend: Backend,
  name: string,
  size: number,
  expected: { version: string; archiveFolder: string },
): Promise<EntryManifest> {
  // The size comes from the stat or listing that found the entry: no second round trip.
  if (size > MaxManifestBytes) {
    throw new UnsafeArchiveError(`manifest ${name} is ${size} bytes; refusing to read it`);
  }
  const bytes = await buffer(await backend.get(name, { size }));
  try {
    return parseManifest(bytes, expected);
  } catch (err) {
    // Only the parse is in here: whatever it refuses is a bad entry, not a storage failure.
    throw new UnsafeArchiveError(`entry ${name} has a bad manifest: ${errorMessage(err)}`);
  }
}

/**
 * Streams the archive into the archiver's receiver, which stores it in `file` and checks every
 * member as the bytes pass, while they are hashed here. Returns the checked archive only once
 * the size and sha256 match the manifest too: this is the one way restoreCache gets something
 * it can extract. A refused member stops the download at once; a failed download stops the scan.
 */
async function download(
  deps: CacheDeps,
  m: EntryManifest,
  file: string,
  transfer: TransferSettings,
  opts: ExtractOptions,
): Promise<CheckedArchive> {
  const watch = watchTransfer('download', transfer);
  const receiver = deps.archiver.receive(file, opts);
  const counter = new HashCounter(watch.progress);
  try {
    const body = await deps.backend.get(m.archive, { size: m.size, signal: watch.signal });
    // Resolves only once the receiver has every byte on disk and its scan passed.
    await pipeline(body, counter, receiver.input, { signal: watch.signal });
    checkSize(m, counter);
    const sha = counter.digest();
    if (sha !== m.sha256) {
      throw new UnsafeArchiveError(
        `archive ${m.archive} has sha256 ${sha} but its manifest says ${m.sha256}: refusing to extract it`,
      );
    }
    return await receiver.checked;
  } catch (err) {
    // Stop the scan if the download failed first, and return only once its process has exited.
    receiver.input.destroy();
    await receiver.checked.catch(() => undefined);
    if (watch.signal.aborted) throw watch.signal.reason as Error;
    // A body that ended short fails the scan too (a truncated stream); say what really happened.
    if (counter.readableEnded) checkSize(m, counter);
    throw err;
  } finally {
    watch.stop();
  }
}

function checkSize(m: EntryManifest, counter: HashCounter): void {
  if (counter.bytes !== m.size) {
    throw new UnsafeArchiveError(
      `archive ${m.archive} is ${counter.bytes} bytes but its manifest says ${m.size}: refusing to extract it`,
    );
  }
}
