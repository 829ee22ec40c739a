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
import { locateEntries, type ScopeName } from './layout.js';
import { restoreCache, type RestoreResult } from './restore-cache.js';
import { saveCache, type SaveResult } from './save-cache.js';
import { recordUse } from './usage.js';

/** What a whole restore or save needs from outside; the action and the CLI each supply one. */
export interface OperationDeps {
  createBackend(storage: StorageSettings, transfer: TransferSettings): Backend;
  archiver: Archiver;
  resolveCompression(choice: CompressionChoice): Promise<CompressionMethod>;
  logger: Logger;
  /** Recorded in manifests, e.g. "bucket-cache/1.0.0". */
  tool: string;
  /** The clock for last-use markers; default the system's. */
  now?: () => Date;
  platform?: NodeJS.Platform;
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
  return withOperation(deps, settings, async (backend, method, tempDir) => {
    const result = await restoreCache(
      { backend, archiver: deps.archiver, logger: deps.logger },
      {
        cache: settings.cache,
        transfer: settings.transfer,
        context,
        method,
        tempDir,
        platform: deps.platform,
      },
    );
    // Until restoreCache starts the marker lookup itself (overlapping the download), record the
    // use here: at most one small request per restore, one more per entry per day.
    const manifestName = restoredManifest(settings, context, method, deps.platform, result);
    if (manifestName)
      await recordUse(backend, manifestName, { logger: deps.logger, now: deps.now });
    return result;
  });
}

/** The manifest a successful restore read, from what it reports. */
function restoredManifest(
  settings: Settings,
  context: RunContext,
  method: CompressionMethod,
  platform: NodeJS.Platform | undefined,
  result: RestoreResult,
): string | undefined {
  if (!result.restored || result.matchedKey === undefined || result.scope === undefined) return;
  const { layout, version } = locateEntries(settings.cache, context, method, platform);
  const scope: ScopeName =
    result.scope === 'repository' ? { kind: 'repository' } : { kind: 'ref', ref: result.scope };
  return layout.manifestName(scope, version, result.matchedKey);
}

export async function performSave(
  deps: OperationDeps,
  settings: Settings,
  context: RunContext,
): Promise<SaveResult> {
  return withOperation(deps, settings, (backend, method, tempDir) =>
    saveCache(
      { backend, archiver: deps.archiver, logger: deps.logger },
      {
        cache: settings.cache,
        transfer: settings.transfer,
        context,
        method,
        tempDir,
        tool: deps.tool,
        platform: deps.platform,
      },
    ),
  );
}

async function withOperation<T>(
  deps: OperationDeps,
  settings: Settings,
  fn: (backend: Backend, method: CompressionMethod, tempDir: string) => Promise<T>,
): Promise<T> {
  const backend = deps.createBackend(settings.storage, settings.transfer);
  try {
    const method = await deps.resolveCompression(settings.cache.compression);
    return await withTempDir((tempDir) => fn(backend, method, tempDir));
  } finally {
    await backend.close();
  }
}
