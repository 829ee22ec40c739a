import { performRestore, performSave } from '../cache/operations.js';
import type { RestoreResult } from '../cache/restore-cache.js';
import type { SaveResult } from '../cache/save-cache.js';
import { Inputs, Outputs } from '../constants.js';
import type { RunContext } from '../context.js';
import { ValidationError } from '../errors.js';
import { type InputSource, parseSettings } from '../inputs.js';
import { cacheFailureMessage } from '../run/failure-text.js';
import type { Settings } from '../settings.js';
import { antPatternsToPaths } from './ant-patterns.js';
import { splitLines } from './args.js';
import { containerFromPluginKey } from './azure-container.js';
import { type CommandRequest, Exit, strictMode } from './command-context.js';
import { writeDroneOutputs } from './drone-output.js';
import { cliSetting, type CliSource } from './env-source.js';
import { renderKeyTemplate } from './key-template.js';

// restore and save: one cache operation each, with the action's outputs and error policy.

/** Renders key templates, then lets parseSettings validate everything. */
export async function cacheSettings(
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
  let key = await renderKeyTemplate(source.get(Inputs.Key), ctx, Inputs.Key);
  let restoreKeys: string[] = [];
  for (const k of splitLines(source.get(Inputs.RestoreKeys))) {
    restoreKeys.push(await renderKeyTemplate(k, ctx, Inputs.RestoreKeys));
  }
  let container = source.get(Inputs.AzureContainer);
  if (req.pluginMode && !container.trim() && source.get(Inputs.Backend).trim() === 'azure') {
    const found = containerFromPluginKey(key, run.repo);
    if (!found) {
      throw new ValidationError(
        `backend azure needs a container: set container (PLUGIN_CONTAINER), start cache_key with one ("<container>/<key>"), or name the repository so that it is a valid container name (3-63 of a-z, 0-9, -); got key ${JSON.stringify(key)} and repository ${JSON.stringify(run.repo)}.`,
        Inputs.AzureContainer,
      );
    }
    container = found.container;
    if (found.from === 'cache_key') {
      const prefix = `${found.container}/`;
      restoreKeys = restoreKeys.map((k) => (k.startsWith(prefix) ? k.slice(prefix.length) : k));
    }
    key = found.key;
    req.out.info(
      found.from === 'cache_key'
        ? `Azure container ${container} from the first segment of cache_key; key ${key}`
        : `Azure container ${container}, the repository's name (no container setting and no container segment in cache_key)`,
    );
  }
  const includes = cliSetting(req.args.includes, req.env, 'includes') ?? '';
  const excludes = cliSetting(req.args.excludes, req.env, 'excludes') ?? '';
  const paths = [...splitLines(source.get(Inputs.Path)), ...antPatternsToPaths(includes, excludes)];
  if (includes || excludes)
    req.out.debug(`path list with --includes/--excludes: ${JSON.stringify(paths)}`);
  const rendered: InputSource = (name) =>
    name === Inputs.Path
      ? paths.join('\n')
      : name === Inputs.Key
        ? key
        : name === Inputs.RestoreKeys
          ? restoreKeys.join('\n')
          : name === Inputs.AzureContainer
            ? container
            : source.get(name);
  // restore --key K without paths restores what the entry was saved from (Harness
  // RestoreCacheS3, CloudBees readCache); save still needs them.
  return parseSettings(rendered, req.env, run.workspace, {
    pathOptional: req.command === 'restore',
  });
}

export async function restore(
  req: CommandRequest,
  run: RunContext,
  settings: Settings,
): Promise<number> {
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
  await writeDroneOutputs(
    req.env,
    {
      [Outputs.CacheHit]: String(result.exact),
      [Outputs.CacheMatchedKey]: result.matchedKey ?? '',
      [Outputs.CacheRestored]: String(result.restored),
    },
    out,
  );
  if (req.args.json) {
    out.result(
      JSON.stringify({
        'cache-hit': result.exact,
        'cache-primary-key': cache.key,
        'cache-matched-key': result.matchedKey ?? '',
        'cache-restored': result.restored,
        'cache-size': result.size ?? null,
        scope: result.scope ?? null,
        paths: result.paths ?? null,
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

export async function save(
  req: CommandRequest,
  run: RunContext,
  settings: Settings,
): Promise<number> {
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
