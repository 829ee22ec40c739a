import { resolveCompression } from '../archive/compression.js';
import { TarArchiver } from '../archive/tar-archiver.js';
import { Inputs } from '../constants.js';
import { errorMessage, ValidationError } from '../errors.js';
import { describeFailure } from '../run/failure-text.js';
import { createBackend } from '../storage/create-backend.js';
import { ToolVersion } from '../version.js';
import { parseArgs, usage, UsageError } from './args.js';
import { type CliDeps, Exit, runCommand } from './commands.js';
import {
  cliSwitch,
  createCliSource,
  describeInput,
  pluginCommand,
  unsupportedPluginSettings,
} from './env-source.js';
import { type CliIo, CliOutput } from './output.js';

type Env = Record<string, string | undefined>;

/** The command line: parses, runs one command, and returns the exit code. Never exits itself. */
export async function main(
  argv: readonly string[],
  env: Env,
  deps: CliDeps,
  io: CliIo,
): Promise<number> {
  const out = new CliOutput(io);
  // Mask secrets from the environment even in errors raised before a command runs.
  try {
    out.addSecrets(createCliSource({}, env).secrets());
  } catch {
    // A malformed plugin setting: reported when the command reads it.
  }
  try {
    const args = parseArgs(argv);
    if (args.help) {
      io.stdout(usage());
      return Exit.Ok;
    }
    if (args.version) {
      io.stdout(`${ToolVersion}\n`);
      return Exit.Ok;
    }
    out.setDebug(cliSwitch(args.debug, env, 'debug', 'PLUGIN_DEBUG'));
    const fromPlugin = args.command ? undefined : pluginCommand(env);
    const command = args.command ?? fromPlugin;
    if (!command) {
      throw new UsageError(
        'no command given: use save, restore, list, delete or prune (or, in a Harness/Drone plugin step, set restore: true or rebuild: true)',
      );
    }
    if (fromPlugin) out.debug(`plugin step: running ${command}`);
    for (const w of unsupportedPluginSettings(env)) out.warning(w);
    return await runCommand({
      command,
      args,
      env,
      deps,
      out,
      pluginMode: fromPlugin !== undefined,
    });
  } catch (err) {
    if (err instanceof UsageError) {
      out.error(err.message);
      out.info('Run bucket-cache --help for usage.');
      return Exit.Usage;
    }
    if (err instanceof ValidationError) {
      out.error(explainValidation(err, env, argv));
      return Exit.Usage;
    }
    out.error(describeFailure(err));
    return Exit.Failed;
  }
}

/** A configuration error, with every way to set the setting at fault and where its value came from. */
function explainValidation(err: ValidationError, env: Env, argv: readonly string[]): string {
  const input = err.input;
  if (!input || !(Object.values(Inputs) as string[]).includes(input)) return err.message;
  let origin: string | undefined;
  try {
    origin = createCliSource(parseArgs(argv).inputs, env).origin(input as Inputs);
  } catch {
    origin = undefined;
  }
  const from = origin ? `; the value came from ${origin}` : '';
  return `${err.message} (set with ${describeInput(input)}${from})`;
}

/** The real dependencies. */
export function realDeps(signal?: AbortSignal): CliDeps {
  return {
    createBackend,
    createArchiver: (logger) => new TarArchiver({ logger }),
    resolveCompression,
    now: () => new Date(),
    platform: process.platform,
    arch: process.arch,
    tool: ToolVersion,
    signal,
  };
}

/**
 * Entry for `bin`: keeps stdout for results only. Libraries below us (@actions/core through
 * glob and exec) write progress and `::debug::`-style workflow commands to process.stdout; for
 * the length of the run those writes go to stderr, translated to plain text.
 */
export async function runCli(
  argv: readonly string[],
  env: Env,
  signal?: AbortSignal,
): Promise<number> {
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  const debug = (): boolean => {
    try {
      return cliSwitch(argv.includes('--debug') ? true : undefined, env, 'debug', 'PLUGIN_DEBUG');
    } catch {
      return false;
    }
  };
  const showDebug = debug();
  process.stdout.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const translated = translateWorkflowCommands(text, showDebug);
    const cb = rest.find((r): r is () => void => typeof r === 'function');
    if (translated) return stderr(translated, cb);
    cb?.();
    return true;
  };
  try {
    const deps = realDeps(signal);
    return await main(argv, env, deps, {
      stdout: (t) => void stdout(t),
      stderr: (t) => void stderr(t),
    });
  } catch (err) {
    stderr(`error: ${errorMessage(err)}\n`);
    return Exit.Failed;
  } finally {
    process.stdout.write = stdout;
  }
}

/** `::warning::text` → `warning: text`; `::debug::` only with debug on; other commands dropped. */
export function translateWorkflowCommands(text: string, showDebug: boolean): string {
  return text
    .split(/(?<=\n)/)
    .map((line) => {
      const m = /^::([a-z-]+)(?: [^:]*)?::(.*?)(\r?\n)?$/s.exec(line);
      if (!m) return line;
      const [, name, message = '', eol = ''] = m;
      const body = message.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
      if (name === 'debug') return showDebug ? `debug: ${body}${eol}` : '';
      if (name === 'warning' || name === 'error' || name === 'notice')
        return `${name}: ${body}${eol}`;
      return '';
    })
    .join('');
}
