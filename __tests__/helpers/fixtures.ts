import type { Logger } from '../../src/logger.js';
import type { CacheSettings, TransferSettings } from '../../src/settings.js';

/** A logger that says nothing. */
export const quiet: Logger = { info: () => {}, debug: () => {}, warning: () => {} };

/** Cache settings as the inputs' defaults give them, for `paths` and `key` of the test's own. */
export function cacheSettings(overrides: Partial<CacheSettings> = {}): CacheSettings {
  return {
    paths: ['deps'],
    key: 'k',
    restoreKeys: [],
    failOnCacheMiss: false,
    lookupOnly: false,
    enableCrossOsArchive: false,
    prefix: '',
    save: true,
    overwrite: false,
    scope: 'branch',
    compression: 'zstd',
    ...overrides,
  };
}

export const transferSettings = (overrides: Partial<TransferSettings> = {}): TransferSettings => ({
  concurrency: 8,
  partSize: 16 * 1024 * 1024,
  stallTimeoutMs: 120_000,
  timeoutMs: 0,
  ...overrides,
});
