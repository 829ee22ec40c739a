import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { type ActionRun, runAction } from '../../scripts/run-action.mjs';

export const bundles = {
  restore: path.resolve('dist/restore/index.js'),
  save: path.resolve('dist/save/index.js'),
  prune: path.resolve('dist/prune/index.js'),
};

export interface Job {
  workspace: string;
  env: Record<string, string>;
}

/** A scratch area for bundle tests: a runner temp dir and GitHub event payloads. */
export class Runner {
  readonly root = mkdtempSync(path.join(os.tmpdir(), 'bucket-cache-bundle-'));
  private n = 0;

  /** A fresh job: its own workspace and the GitHub environment of a push or pull request. */
  job(
    o: {
      ref?: string;
      baseRef?: string;
      defaultBranch?: string;
      repository?: string;
      env?: Record<string, string>;
    } = {},
  ): Job {
    const dir = path.join(this.root, `job-${++this.n}`);
    const workspace = path.join(dir, 'ws');
    mkdirSync(workspace, { recursive: true });
    mkdirSync(path.join(dir, 'temp'));
    const event = path.join(dir, 'event.json');
    writeFileSync(
      event,
      JSON.stringify({ repository: { default_branch: o.defaultBranch ?? 'main' } }),
    );
    const env: Record<string, string> = {
      GITHUB_WORKSPACE: workspace,
      GITHUB_REPOSITORY: o.repository ?? 'octo-org/app',
      GITHUB_REF: o.ref ?? 'refs/heads/main',
      GITHUB_EVENT_PATH: event,
      GITHUB_SHA: 'deadbeef',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: String(this.n),
      RUNNER_TEMP: path.join(dir, 'temp'),
      RUNNER_DEBUG: '1',
      ...o.env,
    };
    if (o.baseRef) env.GITHUB_BASE_REF = o.baseRef;
    return { workspace, env };
  }

  run(
    bundle: string,
    job: Job,
    inputs: Record<string, string>,
    state?: Record<string, string>,
  ): Promise<ActionRun> {
    return runAction({ bundle, inputs, env: job.env, state });
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Lines the runner turns into annotations of the given kind. */
export function annotations(run: ActionRun, kind: 'warning' | 'error'): string[] {
  return run.stdout.split('\n').filter((l) => l.startsWith(`::${kind}`));
}

/** A small tree under deps/: a nested file holding `marker`, an empty dir, a 0755 file, a symlink. */
export function project(job: Job, marker: string): void {
  const deps = path.join(job.workspace, 'deps');
  mkdirSync(path.join(deps, 'sub', 'empty'), { recursive: true });
  writeFileSync(path.join(deps, 'sub', 'file.txt'), marker);
  writeFileSync(path.join(deps, 'tool.sh'), '#!/bin/sh\n', { mode: 0o755 });
  symlinkSync('sub/file.txt', path.join(deps, 'link'));
}
