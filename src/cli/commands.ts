import { type CacheEntry, deleteEntries, listEntries } from '../cache/catalog.js';
import { Layout } from '../cache/layout.js';
import { type OperationDeps, performRestore, performSave } from '../cache/operations.js';
import type { RestoreResult } from '../cache/restore-cache.js';
import type { SaveResult } from '../cache/save-cache.js';
import { Inputs } from '../constants.js';
import { detectRunContext, type RunContext, toRef } from '../context.js';
import { ValidationError } from '../errors.js';
import {
  type InputSource,
  parseSettings,
  parseStoreSettings,
  type StoreSettings,
} from '../inputs.js';
import { formatBytes } from '../logger.js';
import { cacheFailureMessage, describeFailure } from '../run/report.js';
import type { Settings } from '../settings.js';
import type { Backend } from '../storage/backend.js';
import { type CliArgs, type Command, splitLines, UsageError } from './args.js';
import { cliSetting, type CliSource, cliSwitch, createCliSource } from './env-source.js';
import { renderKeyTemplate } from './key-template.js';
import type { CliOutput } from './output.js';
import { pruneCommand } from './prune-command.js';

type Env = Record<string, string | undefined>;

/** What the commands need from the outside world; tests pass fakes. */
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

/** Runs one command; configuration errors are thrown (main turns them into exit code 2). */
export async function runCommand(req: CommandRequest): Promise<number> {
  const { command, args, env } = req;
  const managing = command === 'list' || command === 'delete' || command === 'prune';
  const run = detectRunContext(env, contextOverrides(args, env, managing));
  const source = createCliSource(args.inputs, env, { pluginMode: req.pluginMode });
  req.out.addSecrets(source.secrets());
  req.out.debug(
    `context: ${run.ci}, repository ${run.owner}/${run.repo}, ref ${run.ref}` +
      `${run.baseRef ? `, base ${run.baseRef}` : ''}${run.defaultRef ? `, default ${run.defaultRef}` : ''}, workspace ${run.workspace}`,
  );
  switch (command) {
    case 'restore':
      return restore(req, run, await cacheSettings(req, source, run));
    case 'save':
      return save(req, run, await cacheSettings(req, source, run));
    case 'list':
      return list(req, run, managementSettings(source, env, run));
    case 'delete':
      return remove(req, run, managementSettings(source, env, run));
    case 'prune':
      return pruneCommand(req, run, managementSettings(source, env, run));
  }
}

function contextOverrides(args: CliArgs, env: Env, managing: boolean): Partial<RunContext> {
  const overrides: Partial<RunContext> = {
    workspace: cliSetting(args.workspace, env, 'workspace', 'PLUGIN_LOCAL_ROOT'),
    baseRef: cliSetting(args.baseRef, env, 'base-ref'),
    defaultRef: cliSetting(args.defaultBranch, env, 'default-branch'),
    // For list/delete/prune, --ref filters entries instead; the run's own ref does not matter.
    ref: managing ? undefined : cliSetting(args.ref, env, 'ref'),
  };
  const repository = cliSetting(args.repository, env, 'repository');
  if (repository !== undefined) {
    const cut = repository.lastIndexOf('/');
    const owner = repository.slice(0, cut).replace(/^\/+|\/+$/g, '');
    const repo = repository.slice(cut + 1);
    if (cut === -1 || !owner || !repo) {
      throw new UsageError(
        `--repository must look like owner/name (or group/subgroup/name); got ${JSON.stringify(repository)}`,
      );
    }
    overrides.owner = owner;
    overrides.repo = repo;
  }
  return overrides;
}

/** Renders key templates, then lets parseSettings validate everything. */
async function cacheSettings(
  req: CommandRequest,
  source: CliSource,
  run: RunContext,
): Promise<Settings> {
  const ctx = {
    workspace: run.workspace,
    env: req.env,
    run,
    now: () => req.deps.now(),
    platform: req.deps.platform,
    arch: req.deps.arch,
    warn: (m: string) => req.out.warning(m),
  };
  const key = await renderKeyTemplate(source.get(Inputs.Key), ctx, Inputs.Key);
  const restoreKeys: string[] = [];
  for (const k of splitLines(source.get(Inputs.RestoreKeys))) {
    restoreKeys.push(await renderKeyTemplate(k, ctx, Inputs.RestoreKeys));
  }
  const rendered: InputSource = (name) =>
    name === Inputs.Key
      ? key
      : name === Inputs.RestoreKeys
        ? restoreKeys.join('\n')
        : source.get(name);
  return parseSettings(rendered, req.env, run.workspace);
}

/**
 * list, delete and prune need the storage settings only. parseSettings insists on path and key,
 * which these commands do not use, so they are given fixed stand-ins for those two alone.
 */
function managementSettings(source: CliSource, env: Env, run: RunContext): StoreSettings {
  return parseStoreSettings((name) => source.get(name), env, run.workspace);
}

/** --strict, or the action's name for it, fail-on-error (a flag or BUCKET_CACHE_FAIL_ON_ERROR). */
function strictMode(req: CommandRequest, settings: Settings): boolean {
  return (
    cliSwitch(req.args.strict, req.env, 'strict', 'PLUGIN_EXIT_CODE') || settings.cache.failOnError
  );
}

/** The warning the action would annotate: what failed, why, and what to change. */

async function restore(req: CommandRequest, run: RunContext, settings: Settings): Promise<number> {
  const { cache } = settings;
  const { out, deps } = req;
  let result: RestoreResult = { primaryKey: cache.key, exact: false, restored: false };
  let failed = false;
  try {
    result = await performRestore({ ...deps, logger: out }, settings, run);
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    failed = true;
    out.warning(cacheFailureMessage('restore', err));
  }
  if (req.args.json) {
    out.result(
      JSON.stringify({
        'cache-hit': result.exact,
        'cache-primary-key': cache.key,
        'cache-matched-key': result.matchedKey ?? '',
        'cache-restored': result.restored,
        'cache-size': result.size ?? null,
        scope: result.scope ?? null,
        failed,
      }),
    );
  }
  if (failed && strictMode(req, settings)) {
    out.error('exiting 1: the cache store failed and --strict is set');
    return Exit.Failed;
  }
  if (!result.matchedKey && cache.failOnCacheMiss) {
    out.error(
      `no cache entry found for key ${cache.key}; exiting 1 because fail-on-cache-miss is set`,
    );
    return Exit.Failed;
  }
  return Exit.Ok;
}

async function save(req: CommandRequest, run: RunContext, settings: Settings): Promise<number> {
  const { cache } = settings;
  const { out, deps } = req;
  if (!cache.save) {
    out.info(`Not saving: ${Inputs.Save} is false.`);
    if (req.args.json) out.result(JSON.stringify({ key: cache.key, status: 'skipped' }));
    return Exit.Ok;
  }
  let result: SaveResult | undefined;
  try {
    result = await performSave({ ...deps, logger: out }, settings, run);
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    out.warning(cacheFailureMessage('save', err));
  }
  if (result?.status === 'no-files') {
    out.warning(
      `no files matched ${cache.paths.map((p) => JSON.stringify(p)).join(', ')} under ${run.workspace}; nothing was saved`,
    );
  } else if (result?.status === 'exists') {
    out.info(
      result.reason === 'lost-race'
        ? `Another job saved key ${result.key} first; keeping its entry.`
        : `Cache entry for key ${result.key} already exists in ${result.scope}; not saving (use --overwrite to replace it).`,
    );
  }
  if (req.args.json) {
    out.result(
      JSON.stringify(
        result
          ? {
              key: result.key,
              status: result.status,
              size: result.status === 'saved' ? result.size : null,
              scope: result.status === 'no-files' ? null : result.scope,
            }
          : { key: cache.key, status: 'failed' },
      ),
    );
  }
  if (!result && strictMode(req, settings)) {
    out.error('exiting 1: the cache store failed and --strict is set');
    return Exit.Failed;
  }
  return Exit.Ok;
}

/** `--ref main` → refs/heads/main; `--ref repository` → the shared repository scope. */
export function scopeFilter(ref: string | undefined): string | undefined {
  if (ref === undefined) return undefined;
  return ref === 'repository' ? 'repository' : toRef(ref);
}

function describeSelection(run: RunContext, backend: Backend, args: CliArgs): string {
  const parts = [`${run.owner}/${run.repo}`];
  if (args.ref) parts.push(`ref ${scopeFilter(args.ref)}`);
  if (args.key !== undefined) parts.push(`key ${args.key}`);
  return `${parts.join(', ')} in ${backend.description}`;
}

/** Runs a management command with its own backend; store failures exit 1. */
export async function withStore(
  req: CommandRequest,
  settings: StoreSettings,
  fn: (backend: Backend) => Promise<number>,
): Promise<number> {
  let backend: Backend | undefined;
  try {
    backend = await req.deps.createBackend(settings.storage, settings.transfer);
    return await fn(backend);
  } catch (err) {
    if (err instanceof ValidationError || err instanceof UsageError) throw err;
    req.out.error(`${req.command} failed: ${describeFailure(err)}`);
    return Exit.Failed;
  } finally {
    await backend?.close();
  }
}

export function entryJson(e: CacheEntry): Record<string, unknown> {
  return {
    repository: e.repository,
    key: e.key,
    scope: e.scope,
    version: e.version,
    size: e.size,
    lastModified: e.lastModified.toISOString(),
    lastUsed: e.lastUsed.toISOString(),
    createdAt: e.manifest?.createdAt ?? null,
    compression: e.manifest?.compression ?? null,
    paths: e.manifest?.paths ?? null,
    writer: e.manifest?.writer ?? null,
    manifest: e.manifestName,
    archive: e.archiveName ?? null,
    problem: e.problem ?? null,
  };
}

function age(from: Date, now: Date): string {
  const s = Math.max(0, Math.floor((now.getTime() - from.getTime()) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

function timestamp(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** Left-aligned columns, two spaces apart; the last column is not padded. */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

function entryRows(entries: readonly CacheEntry[], now: Date): string[] {
  // The NOTE column only appears when some entry cannot be restored.
  const notes = entries.some((e) => e.problem);
  return table([
    ['KEY', 'SCOPE', 'VERSION', 'SIZE', 'CREATED', ...(notes ? ['NOTE'] : [])],
    ...entries.map((e) => [
      e.key,
      e.scope,
      e.version.slice(0, 8),
      formatBytes(e.size),
      `${timestamp(e.lastModified)} (${age(e.lastModified, now)})`,
      ...(notes ? [e.problem ? `! ${e.problem}` : ''] : []),
    ]),
  ]);
}

async function list(
  req: CommandRequest,
  run: RunContext,
  settings: StoreSettings,
): Promise<number> {
  const { out, args } = req;
  return withStore(req, settings, async (backend) => {
    const layout = new Layout(settings.prefix, run.owner, run.repo);
    const entries = await listEntries(backend, layout, {
      keyPrefix: args.key,
      scope: scopeFilter(args.ref),
    });
    if (args.json) {
      out.result(JSON.stringify(entries.map(entryJson), null, 2));
      return Exit.Ok;
    }
    if (entries.length === 0) {
      out.result(`No cache entries for ${describeSelection(run, backend, args)}.`);
      return Exit.Ok;
    }
    for (const line of entryRows(entries, req.deps.now())) out.result(line);
    const total = entries.reduce((s, e) => s + e.size, 0);
    out.result(
      `${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}, ${formatBytes(total)}: ${describeSelection(run, backend, args)}`,
    );
    return Exit.Ok;
  });
}

async function remove(
  req: CommandRequest,
  run: RunContext,
  settings: StoreSettings,
): Promise<number> {
  const { out, args } = req;
  if (args.key === undefined && !args.all) {
    throw new UsageError(
      'delete needs --key KEY (one key, in every scope unless --ref is given) or --all',
    );
  }
  if (args.key !== undefined && args.all) {
    throw new UsageError('delete takes --key KEY or --all, not both');
  }
  return withStore(req, settings, async (backend) => {
    const layout = new Layout(settings.prefix, run.owner, run.repo);
    const entries = await listEntries(backend, layout, {
      key: args.key,
      scope: scopeFilter(args.ref),
    });
    const outcome = await deleteEntries(backend, entries, { dryRun: args.dryRun });
    const verb = args.dryRun ? 'Would delete' : 'Deleted';
    for (const e of outcome.deleted) {
      out.info(`${verb} ${e.key} (${e.scope}, ${e.version.slice(0, 8)}, ${formatBytes(e.size)})`);
    }
    for (const f of outcome.failed) {
      out.error(`could not delete ${f.entry.key} (${f.entry.scope}): ${describeFailure(f.error)}`);
    }
    if (args.json) {
      out.result(
        JSON.stringify({
          dryRun: args.dryRun,
          deleted: outcome.deleted.map(entryJson),
          failed: outcome.failed.map((f) => ({
            ...entryJson(f.entry),
            error: describeFailure(f.error),
          })),
        }),
      );
    } else if (entries.length === 0) {
      out.result(`Nothing to delete: no entries for ${describeSelection(run, backend, args)}.`);
    } else {
      out.result(
        `${verb} ${outcome.deleted.length} ${outcome.deleted.length === 1 ? 'entry' : 'entries'} (${formatBytes(outcome.deleted.reduce((s, e) => s + e.size, 0))}).`,
      );
    }
    return outcome.failed.length ? Exit.Failed : Exit.Ok;
  });
}
