import * as core from '@actions/core';

import type { Archiver, CompressionMethod } from '../archive/archiver.js';
import { resolveCompression } from '../archive/compression.js';
import { TarArchiver } from '../archive/tar-archiver.js';
import { detectRunContext, type RunContext } from '../context.js';
import { actionInputs, parseSettings } from '../inputs.js';
import type { Logger } from '../logger.js';
import type {
  CompressionChoice,
  Settings,
  StorageSettings,
  TransferSettings,
} from '../settings.js';
import type { Backend } from '../storage/backend.js';
import { createBackend } from '../storage/create-backend.js';

/** Everything the run layer needs, injected so tests can swap in fakes. */
export interface RunDeps {
  context: RunContext;
  /** Parses inputs; throws ValidationError naming the input. */
  readSettings(): Settings;
  createBackend(storage: StorageSettings, transfer: TransferSettings): Backend;
  archiver: Archiver;
  resolveCompression(choice: CompressionChoice): Promise<CompressionMethod>;
  logger: Logger;
  /** "bucket-cache/1.0.0", recorded in manifests. */
  tool: string;
}

export const coreLogger: Logger = {
  info: (m) => core.info(m),
  debug: (m) => core.debug(m),
  warning: (m) => core.warning(m),
};

/** The real dependencies of the GitHub Action. */
export function actionDeps(tool: string): RunDeps {
  const context = detectRunContext(process.env);
  return {
    context,
    readSettings: () => parseSettings(actionInputs(), process.env, context.workspace),
    createBackend,
    archiver: new TarArchiver(),
    resolveCompression,
    logger: coreLogger,
    tool,
  };
}
