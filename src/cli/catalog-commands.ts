import { deleteEntries, listEntries } from '../cache/catalog.js';
import { Layout } from '../cache/layout.js';
import { type RunContext, toRef } from '../context.js';
import { ValidationError } from '../errors.js';
import { parseStoreSettings, type StoreSettings } from '../inputs.js';
import { formatBytes } from '../logger.js';
import { describeFailure } from '../run/failure-text.js';
import type { Backend } from '../storage/backend.js';
import { type CliArgs, UsageError } from './args.js';
import { type CommandRequest, Exit } from './command-context.js';
import type { CliSource } from './env-source.js';
import { entryJson, entryRows } from './table.js';

type Env = Record<string, string | undefined>;

// list and delete (prune is in prune-command.ts): the catalog of a repository's entries in the store.

/**
 * list, delete and prune need the storage settings only. parseSettings insists on path and key,
 * which these commands do not use, so they are given fixed stand-ins for those two alone.
 */
export function managementSettings(source: CliSource, env: Env, run: RunContext): StoreSettings {
  return parseStoreSettings((name) => source.get(name), env, run.workspace);
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

export async function list(
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

export async function remove(
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
