import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll } from '@jest/globals';

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
    failOnError: false,
    lookupOnly: false,
    enableCrossOsArchive: false,
    prefix: '',
    save: true,
    overwrite: false,
    allowUntrustedSave: false,
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

// Each test file gets its own copy of this module, so this cleans up after that file.
const scratch: string[] = [];
afterAll(() => scratch.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A fresh temporary directory, removed after the calling test file's tests. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}
