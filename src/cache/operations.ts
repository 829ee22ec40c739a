import type { Archiver, CompressionMethod } from '../archive/archiver.js';
import type { RunContext } from '../context.js';
import type { Logger } from '../logger.js';
import type {
  CompressionChoice,
  Settings,
  StorageSettings,
  TransferSettings,
} from '../settings.js';
import type { Backend } from '../storage/backend.js';
import { withTempDir } from '../util/temp-dir.js';
import { restoreCache, type RestoreResult } from './restore-cache.js';
import { saveCache, type SaveRequest, type SaveResult } from './save-cache.js';

/** What a whole restore or save needs from outside; the action and the CLI each supply one. */
export interface OperationDeps {
  /** May load the backend's SDK on first use, hence the promise. */
  createBackend(storage: StorageSettings, transfer: TransferSettings): Backend | Promise<Backend>;
  /** The archive layer, reporting through the operation's logger. */
  createArchiver(logger: Logger): Archiver;
  resolveCompression(choice: CompressionChoice): Promise<CompressionMethod>;
  logger: Logger;
  /** Recorded in manifests, e.g. "bucket-cache/1.0.0". */
  tool: string;
  /** The clock for last-use markers; default the system's. */
  now?: () => Date;
  platform?: NodeJS.Platform;
  /**
   * Cancels a restore or save (SIGTERM, SIGINT): the declared paths are left as they were, and a
   * save commits nothing.
   */
  signal?: AbortSignal;
}

/**
 * One restore from settings to result: its own backend and scratch directory, both released
 * whatever happens. Errors propagate; the caller decides whether they fail anything.
 */
export async function performRestore(
  deps: OperationDeps,
  settings: Settings,
  context: RunContext,
): Promise<RestoreResult> {
  const transfer = restoreTransfer(settings.transfer);
  return withOperation(deps, { ...settings, transfer }, (backend, method, tempDir) =>
    restoreCache(
      { backend, archiver: deps.createArchiver(deps.logger), logger: deps.logger, now: deps.now },
      {
        cache: settings.cache,
        transfer,
        context,
        method,
        tempDir,
        platform: deps.platform,
        signal: deps.signal,
      },
    ),
  );
}

export async function performSave(
  deps: OperationDeps,
  settings: Settings,
  context: RunContext,
  extra: Pick<SaveRequest, 'replaceUnusable'> = {},
): Promise<SaveResult> {
  return withOperation(deps, settings, (backend, method, tempDir) =>
    saveCache(
      { backend, archiver: deps.createArchiver(deps.logger), logger: deps.logger },
      {
        cache: settings.cache,
        transfer: settings.transfer,
        context,
        method,
        tempDir,
        tool: deps.tool,
        platform: deps.platform,
        signal: deps.signal,
        ...extra,
      },
    ),
  );
}

/**
 * actions/cache's SEGMENT_DOWNLOAD_TIMEOUT_MINS bounds how long a restore may download; it takes
 * the place of `timeout` when it is the tighter deadline, and is named when it runs out.
 */
function restoreTransfer(t: TransferSettings): TransferSettings {
  const limit = t.downloadTimeoutMs;
  if (limit === undefined || (t.timeoutMs > 0 && t.timeoutMs <= limit)) return t;
  return { ...t, timeoutMs: limit, timeoutName: 'SEGMENT_DOWNLOAD_TIMEOUT_MINS' };
}

async function withOperation<T>(
  deps: OperationDeps,
  settings: Settings,
  fn: (backend: Backend, method: CompressionMethod, tempDir: string) => Promise<T>,
): Promise<T> {
  // Both at once: loading the backend's SDK and looking zstd up on PATH are independent.
  const method = deps.resolveCompression(settings.cache.compression);
  method.catch(() => undefined); // awaited below unless the backend fails first
  const backend = await deps.createBackend(settings.storage, settings.transfer);
  try {
    const m = await method;
    return await withTempDir((tempDir) => fn(backend, m, tempDir));
  } finally {
    await backend.close();
  }
}
