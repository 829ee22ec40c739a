import type { OperationDeps } from '../cache/operations.js';
import type { Settings } from '../settings.js';
import type { CliArgs, Command } from './args.js';
import { cliSwitch } from './env-source.js';
import type { CliOutput } from './output.js';

type Env = Record<string, string | undefined>;

/** The operations' dependencies (the logger is the command's output) plus the CLI's own. */
export interface CliDeps extends Omit<OperationDeps, 'logger' | 'platform'> {
  now(): Date;
  platform: NodeJS.Platform;
  arch: string;
}

export interface CommandRequest {
  command: Command;
  args: CliArgs;
  env: Env;
  deps: CliDeps;
  out: CliOutput;
  /** The command came from PLUGIN_RESTORE / PLUGIN_REBUILD. */
  pluginMode: boolean;
}

/** Exit codes, as documented in --help and docs/cli.md. */
export const Exit = { Ok: 0, Failed: 1, Usage: 2 } as const;

/**
 * --strict, BUCKET_CACHE_STRICT or PLUGIN_EXIT_CODE, or the action's name for it, fail-on-error
 * (a flag or BUCKET_CACHE_FAIL_ON_ERROR): a store failure exits 1.
 */
export function strictMode(req: CommandRequest, settings: Settings): boolean {
  return (
    cliSwitch(req.args.strict, req.env, 'strict', 'PLUGIN_EXIT_CODE') || settings.cache.failOnError
  );
}
