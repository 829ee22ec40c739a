import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { parse } from 'yaml';

import { type Measured, runNode } from './child.js';
import { env } from './cli.js';

/** A JavaScript action as its action.yml declares it: entry files and input defaults. */
export interface Action {
  dir: string;
  main: string;
  post?: string;
  defaults: Record<string, string>;
}

export function readAction(dir: string): Action {
  const yml = parse(readFileSync(path.join(dir, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, { default?: string | number | boolean }>;
    runs: { main: string; post?: string };
  };
  const defaults = Object.entries(yml.inputs ?? {}).flatMap(([name, i]) =>
    i.default === undefined ? [] : [[name, String(i.default)] as const],
  );
  const { main, post } = yml.runs;
  return { dir, main, post, defaults: Object.fromEntries(defaults) };
}

export interface Step {
  /** The job's workspace (GITHUB_WORKSPACE), also the step's working directory. */
  workspace: string;
  /** The runner's per-job files and temp dir live here. */
  runnerDir: string;
  inputs: Record<string, string>;
  /** Extra environment (S3 settings a peer reads from env, not inputs). */
  env?: Record<string, string>;
  /** The state the main step saved, handed to the post step as STATE_* variables. */
  state?: Record<string, string>;
}

export type StepResult = Measured & {
  outputs: Record<string, string>;
  state: Record<string, string>;
};

/**
 * Runs one step of a JavaScript action the way the GitHub runner does: `node <entry>` in the
 * workspace, every input (declared defaults, then `with:`) as INPUT_<NAME>, the state of the
 * main step as STATE_<name>, fresh GITHUB_OUTPUT/STATE/ENV/PATH/STEP_SUMMARY files, and the
 * runner's GITHUB_* and RUNNER_* variables of a push to main on Linux.
 */
export async function runStep(
  action: Action,
  which: 'main' | 'post',
  s: Step,
): Promise<StepResult> {
  const entry = which === 'main' ? action.main : action.post;
  if (!entry) throw new Error(`${action.dir}/action.yml has no ${which} entry`);
  const files = Object.fromEntries(
    ['OUTPUT', 'STATE', 'ENV', 'PATH', 'STEP_SUMMARY'].map((f) => {
      const file = path.join(s.runnerDir, 'file_commands', f.toLowerCase());
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, '');
      return [`GITHUB_${f}`, file];
    }),
  );
  const inputs = Object.entries({ ...action.defaults, ...s.inputs }).map(([k, v]) => [
    `INPUT_${k.replace(/ /g, '_').toUpperCase()}`,
    v,
  ]);
  const state = Object.entries(s.state ?? {}).map(([k, v]) => [`STATE_${k}`, v]);
  const run = await runNode(
    [path.join(action.dir, entry)],
    {
      ...env(),
      ...runnerEnv(s),
      ...files,
      ...Object.fromEntries([...inputs, ...state]),
      ...s.env,
    },
    s.workspace,
  );
  return {
    ...run,
    outputs: { ...commands(run.stdout, 'set-output'), ...fileCommand(files.GITHUB_OUTPUT!) },
    state: { ...commands(run.stdout, 'save-state'), ...fileCommand(files.GITHUB_STATE!) },
  };
}

/** The end of a job: the runner empties RUNNER_TEMP (where actions/cache forks leave archives). */
export function endJob(runnerDir: string): void {
  rmSync(path.join(runnerDir, 'temp'), { recursive: true, force: true });
}

function runnerEnv(s: Step): Record<string, string> {
  const temp = path.join(s.runnerDir, 'temp');
  const tools = path.join(s.runnerDir, 'tool-cache');
  mkdirSync(temp, { recursive: true });
  mkdirSync(tools, { recursive: true });
  return {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: s.workspace,
    GITHUB_REPOSITORY: 'bench/tree',
    GITHUB_REPOSITORY_OWNER: 'bench',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_SHA: '0'.repeat(40),
    GITHUB_RUN_ID: '1',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'bench',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: temp,
    RUNNER_TOOL_CACHE: tools,
    // The runner always sets it, and actions/cache forks treat its absence as "no cache
    // service"; nothing listens there, so a peer falling back to GitHub's cache fails at once.
    ACTIONS_CACHE_URL: 'http://127.0.0.1:9/',
  };
}

/** `name=value` and `name<<DELIM ... DELIM` lines of a GITHUB_OUTPUT or GITHUB_STATE file. */
export function fileCommand(file: string): Record<string, string> {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: Record<string, string> = {};
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      out[heredoc[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

/** The deprecated stdout commands `::set-output name=x::v` and `::save-state name=x::v`. */
function commands(stdout: string, command: string): Record<string, string> {
  const re = new RegExp(`^::${command} name=([^:]+)::(.*)$`, 'gm');
  return Object.fromEntries([...stdout.matchAll(re)].map((m) => [m[1]!, m[2]!]));
}
