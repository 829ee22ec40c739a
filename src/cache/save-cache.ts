import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { buffer } from 'node:stream/consumers';

import type { CompressionMethod } from '../archive/archiver.js';
import { archiveExtension } from '../archive/compression.js';
import { type ArchiveList, resolveArchiveList } from '../archive/paths.js';
import type { RunContext } from '../context.js';
import { AlreadyExistsError, errorMessage, NotFoundError } from '../errors.js';
import { formatTransfer } from '../logger.js';
import type { CacheSettings, TransferSettings } from '../settings.js';
import type { Backend, ObjectInfo } from '../storage/backend.js';
import { validateKeys } from './keys.js';
import { describeScope, locateEntries } from './layout.js';
import {
  type EntryManifest,
  MaxRecordedPathLength,
  MaxRecordedRoots,
  RecordedRootsBytes,
} from './manifest.js';
import { portablePaths } from './portable-paths.js';
import type { CacheDeps } from './restore-cache.js';
import { saveScope } from './scopes.js';
import { HashCounter, watchTransfer } from './transfer.js';
import type { UnusableEntry } from './unusable.js';

export interface SaveRequest {
  cache: CacheSettings;
  transfer: TransferSettings;
  context: RunContext;
  method: CompressionMethod;
  tempDir: string;
  /** Written into the manifest's writer record. */
  tool: string;
  platform?: NodeJS.Platform;
  /** The primary key's entry a restore refused: replaced if it is still that manifest. */
  replaceUnusable?: UnusableEntry;
  /** Cancels the save (SIGTERM): the upload stops and nothing is committed after it fires. */
  signal?: AbortSignal;
}

export type SaveResult =
  | { status: 'saved'; key: string; size: number; scope: string; ms: number }
  | { status: 'exists'; key: string; scope: string; reason: 'present' | 'lost-race' }
  | { status: 'no-files'; key: string };

/**
 * Packs the paths and commits an entry: the archive under a fresh unique name first, then the
 * manifest at the key's name (the commit point, create-if-absent unless overwrite).
 */
export async function saveCache(deps: CacheDeps, req: SaveRequest): Promise<SaveResult> {
  const { backend, logger } = deps;
  const { cache, context } = req;
  validateKeys(cache.key, []);
  const { layout, version } = locateEntries(cache, context, req.method, req.platform);
  const scope = saveScope(cache.scope, context, cache.allowUntrustedSave);
  const scopeName = describeScope(scope);
  if (context.untrusted && !cache.allowUntrustedSave) {
    logger.info(
      `This ${context.untrusted.event} run can be started by anyone who opens a pull request, so it saves to the scope of ${context.untrusted.origin} (${scopeName}), which the default branch never reads. Set allow-untrusted-save: true to save to ${describeScope(saveScope(cache.scope, { ...context, untrusted: undefined }))} instead.`,
    );
  }
  const manifestName = layout.manifestName(scope, version, cache.key);

  // The existence check runs while the paths are resolved and the archive is packed and sent:
  // it used to cost a round trip before tar started. When the entry turns out to exist, the
  // upload is cancelled, which leaves nothing behind (a put that fails commits nothing).
  const existing = backend.stat(manifestName);
  existing.catch(() => undefined); // awaited below, unless no files matched
  const files = await resolveArchiveList(cache.paths, context.workspace);
  if (files.recursive.length + files.exact.length === 0) {
    return { status: 'no-files', key: cache.key };
  }

  const archiveName = layout.archiveName(
    scope,
    version,
    randomUUID(),
    archiveExtension(req.method),
  );
  logger.debug(
    `archive ${archiveName}; manifest ${manifestName}; ${files.recursive.length + files.exact.length} paths`,
  );
  const started = Date.now();
  const cancel = new AbortController();
  const stop = req.signal ? AbortSignal.any([cancel.signal, req.signal]) : cancel.signal;
  const uploaded = upload(deps, req, files, archiveName, stop);
  uploaded.catch(() => undefined); // awaited below in every branch
  let previous: ObjectInfo | undefined;
  try {
    previous = await existing;
  } catch (err) {
    cancel.abort(err);
    await uploaded.catch(() => undefined);
    throw err;
  }
  // An entry the restore found unusable is replaced, but only while it is still that entry.
  const bad = req.replaceUnusable;
  const replacing =
    previous?.etag !== undefined &&
    bad?.manifestName === manifestName &&
    bad.etag === previous.etag;
  if (replacing && !cache.overwrite) {
    logger.info(`Replacing the unusable cache entry for key ${cache.key}.`);
  }
  if (previous && !cache.overwrite && !replacing) {
    cancel.abort(new Error(`${manifestName} exists`));
    // A small archive may have been committed before the answer came.
    if (
      await uploaded.then(
        () => true,
        () => false,
      )
    ) {
      await deleteQuietly(backend, archiveName, logger);
    }
    return { status: 'exists', key: cache.key, scope: scopeName, reason: 'present' };
  }
  const replaced = previous
    ? await previousArchive(backend, manifestName, layout.archiveFolder(manifestName))
    : undefined;
  const { size, sha256, tarSize } = await uploaded;
  const ms = Date.now() - started;
  // The last moment to cancel: the archive is stored but nothing names it yet.
  if (req.signal?.aborted) {
    await deleteQuietly(backend, archiveName, logger);
    throw req.signal.reason as Error;
  }

  const manifest: EntryManifest = {
    v: 1,
    key: cache.key,
    version,
    archive: archiveName,
    size,
    sha256,
    compression: req.method,
    createdAt: new Date().toISOString(),
    paths: cache.paths,
    portablePaths: portablePaths(cache.paths, context.workspace),
    roots: recordableRoots(files.roots),
    tarSize,
    writer: {
      tool: req.tool,
      ci: context.ci,
      repository: `${context.owner}/${context.repo}`,
      ref: context.ref,
      sha: context.sha,
      runUrl: context.runUrl,
    },
  };
  const condition = cache.overwrite
    ? {}
    : replacing
      ? { ifMatch: previous!.etag }
      : { ifAbsent: true };
  // The key index goes with the commit, not after it: one round trip, not two. It names the key
  // and version only, so it is right for whichever writer wins the commit.
  const indexName = layout.indexName(scope, cache.key, version);
  const committing = commit(deps, manifestName, manifest, condition);
  const indexed = writeIndex(deps, indexName); // never rejects
  const committed = await committing.catch(async (err: unknown) => {
    await indexed;
    await dropIndexWithoutEntry(deps, indexName, manifestName);
    throw err;
  });
  await indexed;
  if (committed === 'lost-race') {
    return { status: 'exists', key: cache.key, scope: scopeName, reason: 'lost-race' };
  }
  if (replaced && replaced !== archiveName) await deleteQuietly(backend, replaced, logger);
  logger.info(`Cache saved with key: ${cache.key} (${scopeName}, ${formatTransfer(size, ms)})`);
  return { status: 'saved', key: cache.key, size, scope: scopeName, ms };
}

/**
 * tar | compressor → sha256 and byte count → backend, with a stall timeout and deadline.
 * `cancel` stops it without the clean-up a failure gets: a cancelled put commits nothing.
 */
async function upload(
  deps: CacheDeps,
  req: SaveRequest,
  files: ArchiveList,
  archiveName: string,
  cancel: AbortSignal,
): Promise<{ size: number; sha256: string; tarSize?: number }> {
  const watch = watchTransfer('upload', req.transfer);
  let tarSize: number | undefined;
  const signal = AbortSignal.any([watch.signal, cancel]);
  const counter = new HashCounter(watch.progress);
  const source = deps.archiver.create({
    workspace: req.context.workspace,
    files: files.recursive,
    exactFiles: files.exact,
    method: req.method,
    level: req.cache.compressionLevel,
    tempDir: req.tempDir,
    onTarBytes: (n) => (tarSize = n),
  });
  // pipeline() forwards a tar or compressor failure to the counter, which fails the put.
  const body = pipeline(source, counter, () => {});
  const onAbort = (): void => {
    source.destroy(signal.reason as Error);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    // Wire progress too: lib-storage holds whole parts in flight, the counter sees none of it.
    await deps.backend.put(archiveName, body, { signal, onProgress: watch.progress });
    return { size: counter.bytes, sha256: counter.digest(), tarSize };
  } catch (err) {
    if (cancel.aborted) throw cancel.reason;
    // The backend promises nothing visible after a failed put; make sure in case it got that far.
    await deleteQuietly(deps.backend, archiveName, deps.logger);
    throw watch.signal.aborted ? (watch.signal.reason as Error) : err;
  } finally {
    signal.removeEventListener('abort', onAbort);
    watch.stop();
  }
}

/**
 * Writes the manifest, the commit point. A put whose answer was lost may still have committed:
 * the SDK's retry then meets our own manifest as "already exists", and a put that gives up may
 * hide a success. So after any failure the stored manifest decides: naming our archive, the save
 * succeeded; naming another, we lost a race and remove our archive. If it cannot be read, our
 * archive stays (an orphan for prune at worst): deleting it could break a committed entry.
 */
async function commit(
  deps: CacheDeps,
  manifestName: string,
  manifest: EntryManifest,
  /** Create only, replace only what we saw, or (overwrite) neither. */
  condition: { ifAbsent?: boolean; ifMatch?: string },
): Promise<'committed' | 'lost-race'> {
  const { backend, logger } = deps;
  const body = Buffer.from(JSON.stringify(manifest, null, 2));
  try {
    await backend.put(manifestName, Readable.from([body]), { size: body.length, ...condition });
    return 'committed';
  } catch (err) {
    const stored = await storedArchive(backend, manifestName);
    if (stored.state === 'present' && stored.archive === manifest.archive) {
      logger.debug(`${manifestName}: an earlier attempt committed it (${errorMessage(err)})`);
      return 'committed';
    }
    if (stored.state === 'unknown') {
      logger.debug(`keeping ${manifest.archive}: cannot tell whether ${manifestName} names it`);
    } else {
      await deleteQuietly(backend, manifest.archive, logger);
    }
    if (err instanceof AlreadyExistsError) return 'lost-race';
    throw err;
  }
}

type StoredManifest =
  | { state: 'absent' }
  /** `archive` is undefined when the manifest is unreadable as one (corrupt, foreign). */
  | { state: 'present'; archive?: string }
  | { state: 'unknown' };

/** The archive a stored manifest names, read without trusting it. */
async function storedArchive(backend: Backend, manifestName: string): Promise<StoredManifest> {
  let bytes: Buffer;
  try {
    bytes = await buffer(await backend.get(manifestName));
  } catch (err) {
    return err instanceof NotFoundError ? { state: 'absent' } : { state: 'unknown' };
  }
  try {
    const archive = (JSON.parse(bytes.toString('utf8')) as { archive?: unknown }).archive;
    return { state: 'present', archive: typeof archive === 'string' ? archive : undefined };
  } catch {
    return { state: 'present' };
  }
}

/** The archive an overwritten manifest pointed at; only ever one beside it, never elsewhere. */
async function previousArchive(
  backend: Backend,
  manifestName: string,
  folder: string,
): Promise<string | undefined> {
  const stored = await storedArchive(backend, manifestName);
  const name = stored.state === 'present' ? stored.archive : undefined;
  return name !== undefined && name.startsWith(folder) && !name.slice(folder.length).includes('/')
    ? name
    : undefined;
}

/**
 * The key index object (Layout.indexName). Only restore without paths needs it, so a failure
 * costs that, not the save. One left leading to no manifest (a failed commit we could not clean
 * up after) makes such a restore miss; the next save of the key rewrites it, and prune removes it.
 */
async function writeIndex(deps: CacheDeps, name: string): Promise<void> {
  const body = Buffer.from('{"v":1}\n');
  try {
    await deps.backend.put(name, Readable.from([body]), { size: body.length });
  } catch (err) {
    deps.logger.warning(
      `the entry is saved, but its key index ${name} could not be written, so restore without paths will not find it: ${errorMessage(err)}`,
    );
  }
}

/**
 * After a failed commit: the index leads nowhere unless some writer's manifest is there, so it
 * goes. (A writer committing the same key at this very moment may lose its index to this; its
 * entry stays whole and the next save of the key writes the index again.)
 */
async function dropIndexWithoutEntry(
  deps: CacheDeps,
  indexName: string,
  manifestName: string,
): Promise<void> {
  const present = await deps.backend.stat(manifestName).catch(() => 'unknown' as const);
  if (present === undefined) await deleteQuietly(deps.backend, indexName, deps.logger);
}

/** The matched roots as the manifest records them, or none when too many to keep it small. */
function recordableRoots(roots: string[]): string[] | undefined {
  const bytes = roots.reduce((n, r) => n + Buffer.byteLength(r) + 4, 0);
  const ok =
    roots.length <= MaxRecordedRoots &&
    bytes <= RecordedRootsBytes &&
    roots.every((r) => r.length <= MaxRecordedPathLength);
  return ok ? roots : undefined;
}

async function deleteQuietly(
  backend: Backend,
  name: string,
  logger: CacheDeps['logger'],
): Promise<void> {
  try {
    await backend.delete(name);
  } catch (err) {
    logger.debug(`could not remove ${name}: ${errorMessage(err)}`);
  }
}
