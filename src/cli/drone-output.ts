import { appendFile } from 'node:fs/promises';

import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';

type Env = Record<string, string | undefined>;

/**
 * Harness and Drone hand a step the file `DRONE_OUTPUT`; `NAME=value` lines appended to it become
 * the step's output variables, so a later step can ask whether the cache was restored. The
 * action's names are written as they are (`cache-hit`), and again in upper snake case
 * (`CACHE_HIT`) because Harness expressions and shells cannot spell a name with a dash.
 */
export async function writeDroneOutputs(
  env: Env,
  outputs: Record<string, string>,
  logger: Logger,
): Promise<void> {
  const file = env.DRONE_OUTPUT?.trim();
  if (!file) return;
  const lines: string[] = [];
  for (const [name, value] of Object.entries(outputs)) {
    // One line per variable: a value can never carry a newline into the next variable.
    const v = value.replace(/[\r\n]+/g, ' ');
    lines.push(`${name}=${v}`, `${name.replace(/-/g, '_').toUpperCase()}=${v}`);
  }
  try {
    await appendFile(file, `${lines.join('\n')}\n`);
  } catch (err) {
    logger.warning(
      `could not write output variables to DRONE_OUTPUT (${file}): ${errorMessage(err)}`,
    );
  }
}
