import * as core from '@actions/core';

import { type PruneInputs, SecretInputs } from './constants.js';
import type { InputSource } from './inputs.js';
import { secretParts } from './secrets.js';

// The action's raw input sources. inputs.ts parses and validates what they return; they live
// apart from it so the CLI, which has its own sources, never loads @actions/core and its HTTP
// client (a third of the CLI's start-up time).

/** The action's input source: `INPUT_*` through @actions/core. Secrets are masked on read. */
export function actionInputs(): InputSource {
  return (name) => {
    const value = core.getInput(name);
    if (value && SecretInputs.includes(name)) {
      for (const secret of secretParts(value)) core.setSecret(secret);
    }
    return value;
  };
}

/** The prune action's own inputs through @actions/core. */
export function actionPruneInputs(): (name: PruneInputs) => string {
  return (name) => core.getInput(name);
}
