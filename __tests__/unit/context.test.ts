import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { restoreScopes, saveScope } from '../../src/cache/scopes.js';
import { detectRunContext } from '../../src/context.js';

function eventFile(payload: unknown): string {
  const f = path.join(mkdtempSync(path.join(os.tmpdir(), 'evt-')), 'event.json');
  writeFileSync(f, JSON.stringify(payload));
  return f;
}

describe('detectRunContext', () => {
  test('GitHub pull request: ref, base ref and default branch from the event payload', () => {
    const ctx = detectRunContext({
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: '/ws',
      GITHUB_REPOSITORY: 'octo/app',
      GITHUB_REF: 'refs/pull/7/merge',
      GITHUB_BASE_REF: 'release',
      GITHUB_EVENT_PATH: eventFile({ repository: { default_branch: 'main' } }),
      GITHUB_SHA: 'abc',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: '42',
    });
    expect(ctx).toEqual({
      ci: 'github',
      workspace: '/ws',
      owner: 'octo',
      repo: 'app',
      ref: 'refs/pull/7/merge',
      baseRef: 'refs/heads/release',
      defaultRef: 'refs/heads/main',
      sha: 'abc',
      runUrl: 'https://github.com/octo/app/actions/runs/42',
    });
  });

  test('act with no event payload still works', () => {
    const ctx = detectRunContext({
      GITHUB_ACTIONS: 'true',
      ACT: 'true',
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_REF: 'refs/heads/x',
      GITHUB_EVENT_PATH: '/nonexistent',
    });
    expect(ctx).toMatchObject({ ci: 'act', ref: 'refs/heads/x', defaultRef: undefined });
  });

  test('Harness/Drone pull request', () => {
    const ctx = detectRunContext({
      DRONE: 'true',
      HARNESS_BUILD_ID: '1',
      DRONE_REPO: 'team/svc',
      DRONE_SOURCE_BRANCH: 'feat',
      DRONE_TARGET_BRANCH: 'main',
      DRONE_PULL_REQUEST: '12',
      DRONE_REPO_BRANCH: 'main',
      DRONE_WORKSPACE: '/harness',
    });
    expect(ctx).toMatchObject({
      ci: 'harness',
      owner: 'team',
      repo: 'svc',
      ref: 'refs/heads/feat',
      baseRef: 'refs/heads/main',
      workspace: '/harness',
    });
  });

  test('GitLab merge request, nested groups kept in the owner', () => {
    const ctx = detectRunContext({
      GITLAB_CI: 'true',
      CI_PROJECT_PATH: 'group/sub/proj',
      CI_COMMIT_REF_NAME: 'feat',
      CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
      CI_DEFAULT_BRANCH: 'main',
      CI_PROJECT_DIR: '/builds/p',
    });
    expect(ctx).toMatchObject({
      owner: 'group/sub',
      repo: 'proj',
      ref: 'refs/heads/feat',
      baseRef: 'refs/heads/main',
      defaultRef: 'refs/heads/main',
    });
  });

  test('Jenkins multibranch PR: reads the target branch like readCache does', () => {
    const ctx = detectRunContext({
      JENKINS_URL: 'https://ci',
      JOB_NAME: 'folder/app/PR-1',
      BRANCH_NAME: 'PR-1',
      CHANGE_TARGET: 'main',
      WORKSPACE: '/var/ws',
    });
    expect(ctx).toMatchObject({
      ci: 'jenkins',
      owner: 'folder',
      repo: 'app',
      ref: 'refs/heads/PR-1',
      baseRef: 'refs/heads/main',
    });
  });

  test('overrides (CLI flags) win and are normalised to refs', () => {
    const ctx = detectRunContext({}, { owner: 'me', repo: 'x', ref: 'dev', defaultRef: 'main' });
    expect(ctx).toMatchObject({
      ci: 'local',
      owner: 'me',
      repo: 'x',
      ref: 'refs/heads/dev',
      defaultRef: 'refs/heads/main',
    });
  });
});

describe('scopes', () => {
  const ctx = detectRunContext({
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'o/r',
    GITHUB_REF: 'refs/pull/1/merge',
    GITHUB_BASE_REF: 'main',
    GITHUB_EVENT_PATH: eventFile({ repository: { default_branch: 'main' } }),
  });

  test('branch scope reads current ref, base, default (deduplicated) and writes only the current ref', () => {
    expect(restoreScopes('branch', ctx)).toEqual([
      { kind: 'ref', ref: 'refs/pull/1/merge' },
      { kind: 'ref', ref: 'refs/heads/main' },
    ]);
    expect(saveScope('branch', ctx)).toEqual({ kind: 'ref', ref: 'refs/pull/1/merge' });
  });

  test('repository scope is one shared namespace', () => {
    expect(restoreScopes('repository', ctx)).toEqual([{ kind: 'repository' }]);
    expect(saveScope('repository', ctx)).toEqual({ kind: 'repository' });
  });
});

describe('untrusted triggers save where only their pull request reads', () => {
  const repository = { default_branch: 'main', full_name: 'o/r' };
  const github = (event: string, payload: unknown) =>
    detectRunContext({
      GITHUB_ACTIONS: 'true',
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_EVENT_NAME: event,
      GITHUB_EVENT_PATH: eventFile(payload),
    });
  const main = { kind: 'ref', ref: 'refs/heads/main' };

  test.each([
    ['pull_request_target', { pull_request: { number: 7 }, number: 7 }, 'refs/pull/7/merge'],
    ['pull_request_target', { number: 8 }, 'refs/pull/8/merge'],
    ['pull_request_target', {}, 'refs/untrusted/pull_request_target/unknown'],
    ['issue_comment', { issue: { number: 9, pull_request: { url: 'x' } } }, 'refs/pull/9/merge'],
    ['issue_comment', { issue: { number: 10 } }, 'refs/untrusted/issue_comment/issue-10'],
    [
      'workflow_run',
      {
        workflow_run: { event: 'pull_request', pull_requests: [{ number: 11 }], head_branch: 'f' },
      },
      'refs/pull/11/merge',
    ],
    [
      'workflow_run',
      {
        workflow_run: {
          event: 'pull_request',
          pull_requests: [],
          head_branch: 'main',
          head_repository: { full_name: 'mallory/r' },
        },
      },
      'refs/untrusted/workflow_run/mallory/r:main',
    ],
    [
      'workflow_run',
      {
        workflow_run: {
          event: 'push',
          pull_requests: [],
          head_branch: 'feature',
          head_repository: { full_name: 'o/r' },
        },
      },
      'refs/heads/feature',
    ],
    [
      'workflow_run',
      {
        workflow_run: {
          event: 'pull_request_target',
          pull_requests: [],
          head_branch: 'main',
          head_repository: { full_name: 'o/r' },
        },
      },
      'refs/untrusted/workflow_run/o/r:main',
    ],
  ])('%s %j saves to %s, restores from main', (event, payload, saveRef) => {
    const ctx = github(event, { repository, ...payload });
    expect(ctx.untrusted?.saveRef).toBe(saveRef);
    expect(saveScope('branch', ctx)).toEqual({ kind: 'ref', ref: saveRef });
    // Not even the repository scope: everyone reads it.
    expect(saveScope('repository', ctx)).toEqual({ kind: 'ref', ref: saveRef });
    expect(restoreScopes('branch', ctx)).toEqual([main]);
  });

  test('allow-untrusted-save writes where the run runs, as before', () => {
    const ctx = github('pull_request_target', { repository, number: 7 });
    expect(saveScope('branch', ctx, true)).toEqual(main);
    expect(saveScope('repository', ctx, true)).toEqual({ kind: 'repository' });
  });

  test.each(['push', 'pull_request', 'schedule', 'workflow_dispatch', undefined])(
    '%s is not an untrusted trigger',
    (event) => {
      const ctx = github(event ?? '', { repository, number: 7 });
      expect(ctx.untrusted).toBeUndefined();
      expect(saveScope('branch', ctx)).toEqual(main);
    },
  );
});
