import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { buffer } from 'node:stream/consumers';

import type { CompressionMethod } from '../archive/archiver.js';
import { archiveExtension } from '../archive/compression.js';
import { type ArchiveList, resolveArchiveList } from '../archive/paths.js';
import type { RunContext } from '../context.js';
import { AlreadyExistsError, errorMessage } from '../errors.js';
import { formatTransfer } from '../logger.js';
import type { CacheSettings, TransferSettings } from '../settings.js';
import type { Backend } from '../storage/backend.js';
import { validateKeys } from './keys.js';
import { describeScope, locateEntries } from './layout.js';
import type { EntryManifest } from './manifest.js';
import type { CacheDeps } from './restore-cache.js';
import { saveScope } from './scopes.js';
import { HashCounter, watchTransfer } from './transfer.js';

export interface SaveRequest {
  cache: CacheSettings;
  transfer: TransferSettings;
  context: RunContext;
  method: CompressionMethod;
  tempDir: string;
  /** Written into the manifest's writer record. */
  tool: string;
  platform?: NodeJS.Platform;
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
  const scope = saveScope(cache.scope, context);
  const scopeName = describeScope(scope);
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
  const uploaded = upload(deps, req, files, archiveName, cancel.signal);
  uploaded.catch(() => undefined); // awaited below in every branch
  let previous;
  try {
    previous = await existing;
  } catch (err) {
    cancel.abort(err);
    await uploaded.catch(() => undefined);
    throw err;
  }
  if (previous && !cache.overwrite) {
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
  const { size, sha256 } = await uploaded;
  const ms = Date.now() - started;

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
    writer: {
      tool: req.tool,
      ci: context.ci,
      repository: `${context.owner}/${context.repo}`,
      ref: context.ref,
      sha: context.sha,
      runUrl: context.runUrl,
    },
  };
  try {
    const body = Buffer.from(JSON.stringify(manifest, null, 2));
    await backend.put(manifestName, Readable.from([body]), {
      size: body.length,
      ifAbsent: !cache.overwrite,
    });
  } catch (err) {
    await deleteQuietly(backend, archiveName, logger);
    if (err instanceof AlreadyExistsError) {
      return { status: 'exists', key: cache.key, scope: scopeName, reason: 'lost-race' };
    }
    throw err;
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
): Promise<{ size: number; sha256: string }> {
  const watch = watchTransfer('upload', req.transfer);
  const signal = AbortSignal.any([watch.signal, cancel]);
  const counter = new HashCounter(watch.progress);
  const source = deps.archiver.create({
    workspace: req.context.workspace,
    files: files.recursive,
    exactFiles: files.exact,
    method: req.method,
    level: req.cache.compressionLevel,
    tempDir: req.tempDir,
  });
  // pipeline() forwards a tar or compressor failure to the counter, which fails the put.
  const body = pipeline(source, counter, () => {});
  const onAbort = (): void => {
    source.destroy(signal.reason as Error);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await deps.backend.put(archiveName, body, { signal });
    return { size: counter.bytes, sha256: counter.digest() };
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

/** The archive an overwritten manifest pointed at; only ever one beside it, never elsewhere. */
async function previousArchive(
  backend: Backend,
  manifestName: string,
  folder: string,
): Promise<string | undefined> {
  try {
    const m = JSON.parse((await buffer(await backend.get(manifestName))).toString('utf8')) as {
      archive?: unknown;
    };
    const name = m.archive;
    return typeof name === 'string' &&
      name.startsWith(folder) &&
      !name.slice(folder.length).includes('/')
      ? name
      : undefined;
  } catch {
    return undefined;
  }
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
