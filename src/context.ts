import path from 'node:path';

import {
  defaultBranchOf,
  readEventPayload,
  type UntrustedTrigger,
  untrustedTrigger,
} from './github-event.js';

/** Who is running: decides the repository folder, the scopes, and the writer record. */
export interface RunContext {
  /** Directory that relative paths and archive members are resolved against. */
  workspace: string;
  owner: string;
  repo: string;
  /** Full ref of this run, e.g. refs/heads/feature or refs/pull/7/merge. */
  ref: string;
  /** Pull/merge request target branch as a full ref, when this run is for one. */
  baseRef?: string;
  /** The repository's default branch as a full ref, when known. */
  defaultRef?: string;
  sha?: string;
  runUrl?: string;
  /** Which CI the context came from, for the writer record and logs. */
  ci: string;
  /** Set for events anyone can start that run in the default branch's context (GitHub only). */
  untrusted?: UntrustedTrigger;
}

type Env = Record<string, string | undefined>;

/** A branch name or full ref → full ref. */
export function toRef(branchOrRef: string): string {
  return branchOrRef.startsWith('refs/') ? branchOrRef : `refs/heads/${branchOrRef}`;
}

function splitRepository(full: string | undefined, workspace: string): [string, string] {
  const parts = (full ?? '').split('/').filter(Boolean);
  if (parts.length >= 2) {
    return [parts.slice(0, -1).join('/'), parts[parts.length - 1]!];
  }
  if (parts.length === 1) return ['local', parts[0]!];
  return ['local', path.basename(workspace) || 'workspace'];
}

/**
 * Reads the run context from the environment of GitHub Actions (and act), Harness/Drone,
 * GitLab CI and Jenkins, in that order of preference; `overrides` (CLI flags) win over all.
 */
export function detectRunContext(env: Env, overrides: Partial<RunContext> = {}): RunContext {
  const cwd = process.cwd();
  let ctx: RunContext;
  if (env.GITHUB_ACTIONS === 'true' || env.GITHUB_REPOSITORY) {
    const workspace = env.GITHUB_WORKSPACE || cwd;
    const [owner, repo] = splitRepository(env.GITHUB_REPOSITORY, workspace);
    const payload = readEventPayload(env.GITHUB_EVENT_PATH);
    const defaultBranch = defaultBranchOf(payload);
    ctx = {
      ci: env.ACT ? 'act' : 'github',
      workspace,
      owner,
      repo,
      ref: env.GITHUB_REF || 'refs/heads/unknown',
      baseRef: env.GITHUB_BASE_REF ? toRef(env.GITHUB_BASE_REF) : undefined,
      defaultRef: defaultBranch ? toRef(defaultBranch) : undefined,
      sha: env.GITHUB_SHA,
      runUrl:
        env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
          ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
          : undefined,
      untrusted: untrustedTrigger(env.GITHUB_EVENT_NAME, payload),
    };
  } else if (env.DRONE || env.HARNESS_BUILD_ID || env.DRONE_REPO) {
    const workspace = env.DRONE_WORKSPACE || env.HARNESS_WORKSPACE || cwd;
    const [owner, repo] = splitRepository(env.DRONE_REPO, workspace);
    const branch = env.DRONE_SOURCE_BRANCH || env.DRONE_COMMIT_BRANCH || env.DRONE_BRANCH;
    const isPr = Boolean(env.DRONE_PULL_REQUEST);
    ctx = {
      ci: env.HARNESS_BUILD_ID ? 'harness' : 'drone',
      workspace,
      owner,
      repo,
      ref: branch ? toRef(branch) : 'refs/heads/unknown',
      baseRef: isPr && env.DRONE_TARGET_BRANCH ? toRef(env.DRONE_TARGET_BRANCH) : undefined,
      defaultRef: env.DRONE_REPO_BRANCH ? toRef(env.DRONE_REPO_BRANCH) : undefined,
      sha: env.DRONE_COMMIT_SHA,
      runUrl: env.DRONE_BUILD_LINK,
    };
  } else if (env.GITLAB_CI) {
    const workspace = env.CI_PROJECT_DIR || cwd;
    const [owner, repo] = splitRepository(env.CI_PROJECT_PATH, workspace);
    ctx = {
      ci: 'gitlab',
      workspace,
      owner,
      repo,
      ref: toRef(env.CI_MERGE_REQUEST_SOURCE_BRANCH_NAME || env.CI_COMMIT_REF_NAME || 'unknown'),
      baseRef: env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME
        ? toRef(env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME)
        : undefined,
      defaultRef: env.CI_DEFAULT_BRANCH ? toRef(env.CI_DEFAULT_BRANCH) : undefined,
      sha: env.CI_COMMIT_SHA,
      runUrl: env.CI_JOB_URL,
    };
  } else if (env.JENKINS_URL || env.BUILD_URL) {
    const workspace = env.WORKSPACE || cwd;
    // Multibranch job names are "folder/job/branch": the job is the repository folder.
    const job = (env.JOB_NAME ?? '').split('/').filter(Boolean);
    if (env.BRANCH_NAME && job[job.length - 1] === encodeURIComponent(env.BRANCH_NAME)) job.pop();
    const [owner, repo] = splitRepository(job.join('/'), workspace);
    ctx = {
      ci: 'jenkins',
      workspace,
      owner,
      repo,
      ref: toRef(env.CHANGE_BRANCH || env.BRANCH_NAME || env.GIT_BRANCH || 'unknown'),
      baseRef: env.CHANGE_TARGET ? toRef(env.CHANGE_TARGET) : undefined,
      sha: env.GIT_COMMIT,
      runUrl: env.BUILD_URL,
    };
  } else {
    const workspace = cwd;
    const [owner, repo] = splitRepository(undefined, workspace);
    ctx = { ci: 'local', workspace, owner, repo, ref: 'refs/heads/local' };
  }
  const merged = { ...ctx, ...definedOnly(overrides) };
  merged.ref = toRef(merged.ref);
  if (merged.baseRef) merged.baseRef = toRef(merged.baseRef);
  if (merged.defaultRef) merged.defaultRef = toRef(merged.defaultRef);
  merged.workspace = path.resolve(merged.workspace);
  return merged;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== undefined && v !== ''),
  ) as Partial<T>;
}
