import { detectRunContext, type RunContext } from '../context.js';
import { type CliArgs, UsageError } from './args.js';
import { cacheSettings, restore, save } from './cache-commands.js';
import { list, managementSettings, remove } from './catalog-commands.js';
import type { CommandRequest } from './command-context.js';
import { cliSetting, createCliSource } from './env-source.js';
import { pruneCommand } from './prune-command.js';

export { type CliDeps, type CommandRequest, Exit } from './command-context.js';

type Env = Record<string, string | undefined>;

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
