import * as core from '@actions/core';

import { actionInputs, actionPruneInputs } from '../action-inputs.js';
import { resolveCompression } from '../archive/compression.js';
import { TarArchiver } from '../archive/tar-archiver.js';
import type { OperationDeps } from '../cache/operations.js';
import { detectRunContext, type RunContext } from '../context.js';
import {
  parsePruneBudget,
  parsePruneSettings,
  parseSettings,
  parseStoreSettings,
} from '../inputs.js';
import type { Logger } from '../logger.js';
import type { Settings } from '../settings.js';
import { createBackend } from '../storage/create-backend.js';
import type { PruneDeps } from './run-prune.js';

/** Everything the run layer needs, injected so tests can swap in fakes. */
export interface RunDeps extends OperationDeps {
  context: RunContext;
  /** Parses inputs; throws ValidationError naming the input. */
  readSettings(): Settings;
  /** The post step's max-total-size, if set: prune this repository after a save. */
  readPruneBudget?(): number | undefined;
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
    readPruneBudget: () => parsePruneBudget(actionPruneInputs()),
    createBackend,
    createArchiver: (logger) => new TarArchiver({ logger }),
    resolveCompression,
    logger: coreLogger,
    tool,
  };
}

/** The real dependencies of the prune action. */
export function actionPruneDeps(): PruneDeps {
  const context = detectRunContext(process.env);
  return {
    context,
    readStore: () => parseStoreSettings(actionInputs(), process.env, context.workspace),
    readRules: () => parsePruneSettings(actionPruneInputs()),
    createBackend,
    logger: coreLogger,
    now: () => new Date(),
  };
}
