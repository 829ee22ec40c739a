import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { bundles, project, Runner } from '../helpers/action-env.js';

// Runs anyone can start in the default branch's context: pull_request_target, issue_comment,
// workflow_run. The built bundles on the fs backend, with crafted event payloads.
describe('untrusted triggers never write where the default branch reads', () => {
  const runner = new Runner();
  const store = path.join(runner.root, 'store');
  afterAll(() => runner.cleanup());
  let events = 0;

  const inputs = (key: string, extra: Record<string, string> = {}) => ({
    path: 'deps',
    key,
    'fs-root': store,
    ...extra,
  });
  /** A job on the default branch's ref started by `event` with `payload`. */
  const triggered = (event: string, payload: object) => {
    const file = path.join(runner.root, `event-${++events}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        repository: { default_branch: 'main', full_name: 'octo-org/app' },
        ...payload,
      }),
    );
    return runner.job({ env: { GITHUB_EVENT_NAME: event, GITHUB_EVENT_PATH: file } });
  };
  const pullRequest = (n: number) =>
    runner.job({
      ref: `refs/pull/${n}/merge`,
      baseRef: 'main',
      env: { GITHUB_EVENT_NAME: 'pull_request' },
    });
  const push = () => runner.job({ env: { GITHUB_EVENT_NAME: 'push' } });

  test.each([
    ['pull_request_target', { number: 7, pull_request: { number: 7 } }],
    ['issue_comment', { issue: { number: 7, pull_request: { url: 'https://api/7' } } }],
    ['workflow_run', { workflow_run: { event: 'pull_request', pull_requests: [{ number: 7 }] } }],
  ])(
    '%s: the save goes to pull request #7 only; main and other pull requests miss',
    async (event, payload) => {
      const key = `deps-${event}`;
      const job = triggered(event, payload);
      project(job, 'from-the-pull-request');
      const save = await runner.run(bundles.save, job, inputs(key));
      expect(save.code).toBe(0);
      expect(save.stdout).toMatch(
        new RegExp(
          `This ${event} run .* saves to the scope of pull request #7 \\(refs/pull/7/merge\\)`,
        ),
      );
      expect(save.stdout).toContain(`Cache saved with key: ${key} (refs/pull/7/merge`);

      const onMain = await runner.run(bundles.restore, push(), inputs(key));
      expect(onMain.outputs['cache-hit']).toBe('false');
      const otherPr = await runner.run(bundles.restore, pullRequest(8), inputs(key));
      expect(otherPr.outputs['cache-hit']).toBe('false');
      const samePr = await runner.run(bundles.restore, pullRequest(7), inputs(key));
      expect(samePr.outputs['cache-hit']).toBe('true');
    },
  );

  test('restores of an untrusted trigger still read the default branch', async () => {
    const key = 'deps-main-entry';
    const writer = push();
    project(writer, 'main');
    expect((await runner.run(bundles.save, writer, inputs(key))).code).toBe(0);
    const job = triggered('pull_request_target', { number: 9 });
    const r = await runner.run(bundles.restore, job, inputs(key));
    expect(r.outputs['cache-hit']).toBe('true');
  });

  test('a fork workflow_run without a pull request, from a branch named main, reaches nobody', async () => {
    const key = 'deps-fork';
    const job = triggered('workflow_run', {
      workflow_run: {
        event: 'pull_request',
        pull_requests: [],
        head_branch: 'main',
        head_repository: { full_name: 'mallory/app' },
      },
    });
    project(job, 'fork');
    const save = await runner.run(bundles.save, job, inputs(key));
    expect(save.stdout).toContain('refs/untrusted/workflow_run/mallory/app:main');
    expect((await runner.run(bundles.restore, push(), inputs(key))).outputs['cache-hit']).toBe(
      'false',
    );
  });

  test('allow-untrusted-save: true writes the default branch scope, as before', async () => {
    const key = 'deps-opt-in';
    const job = triggered('pull_request_target', { number: 10 });
    project(job, 'trusted-by-choice');
    const save = await runner.run(
      bundles.save,
      job,
      inputs(key, { 'allow-untrusted-save': 'true' }),
    );
    expect(save.stdout).toContain(`Cache saved with key: ${key} (refs/heads/main`);
    expect((await runner.run(bundles.restore, push(), inputs(key))).outputs['cache-hit']).toBe(
      'true',
    );
  });
});
