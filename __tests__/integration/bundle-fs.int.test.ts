import {
  existsSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

import { annotations, bundles, type Job, project, Runner } from '../helpers/action-env.js';

// The built action, run as the runner and act run it, against the filesystem backend.
describe('dist bundles on the fs backend', () => {
  const runner = new Runner();
  const store = path.join(runner.root, 'store');
  afterAll(() => runner.cleanup());

  const inputs = (key: string, extra: Record<string, string> = {}) => ({
    path: 'deps',
    key,
    'restore-keys': 'deps-',
    'fs-root': store,
    ...extra,
  });

  test('combined action: miss → post save → exact hit in a fresh workspace → save skipped', async () => {
    const first = runner.job();
    project(first, 'one');
    const miss = await runner.run(bundles.restore, first, inputs('deps-a'));
    expect(miss.code).toBe(0);
    expect(miss.outputs).toEqual({
      'cache-primary-key': 'deps-a',
      'cache-hit': 'false',
      'cache-restored': 'false',
      'cache-matched-key': '',
      'cache-size': '',
    });
    expect(miss.stdout).toContain('Cache not found for input keys: deps-a, deps-');
    expect(JSON.parse(miss.state['restore-state']!)).toEqual({
      v: 1,
      primaryKey: 'deps-a',
      exact: false,
    });

    const post = await runner.run(bundles.save, first, inputs('deps-a'), miss.state);
    expect(post.code).toBe(0);
    expect(post.stdout).toMatch(
      /Cache saved with key: deps-a \(refs\/heads\/main, .* MiB\/s\)|Cache saved with key: deps-a \(refs\/heads\/main, .*\/s\)/,
    );
    expect(post.summary).toContain('saved');

    const second = runner.job();
    const hit = await runner.run(bundles.restore, second, inputs('deps-a'));
    expect(hit.code).toBe(0);
    expect(hit.outputs).toMatchObject({
      'cache-hit': 'true',
      'cache-restored': 'true',
      'cache-matched-key': 'deps-a',
    });
    expect(Number(hit.outputs['cache-size'])).toBeGreaterThan(0);
    const deps = path.join(second.workspace, 'deps');
    expect(readFileSync(path.join(deps, 'sub', 'file.txt'), 'utf8')).toBe('one');
    expect(readlinkSync(path.join(deps, 'link'))).toBe('sub/file.txt');
    expect(statSync(path.join(deps, 'tool.sh')).mode & 0o777).toBe(0o755);
    expect(existsSync(path.join(deps, 'sub', 'empty'))).toBe(true);
    expect(hit.summary).toContain('hit');

    const skip = await runner.run(bundles.save, second, inputs('deps-a'), hit.state);
    expect(skip.stdout).toContain(
      'Cache hit occurred on the primary key deps-a, not saving cache.',
    );
  });

  test('restore and save sub-actions: restore-keys fallback, then a new key saved', async () => {
    const job = runner.job();
    const partial = await runner.run(bundles.restore, job, inputs('deps-b'));
    expect(partial.outputs).toMatchObject({
      'cache-hit': 'false',
      'cache-restored': 'true',
      'cache-matched-key': 'deps-a',
    });
    writeFileSync(path.join(job.workspace, 'deps', 'sub', 'file.txt'), 'two');
    // The save sub-action gets no state: it reads its own inputs.
    const saved = await runner.run(bundles.save, job, {
      path: 'deps',
      key: 'deps-b',
      'fs-root': store,
    });
    expect(saved.code).toBe(0);
    expect(saved.stdout).toContain('Cache saved with key: deps-b');

    const again = await runner.run(bundles.save, job, {
      path: 'deps',
      key: 'deps-b',
      'fs-root': store,
    });
    expect(again.stdout).toContain('already exists');

    const fresh = runner.job();
    const r = await runner.run(bundles.restore, fresh, inputs('deps-c'));
    expect(r.outputs['cache-matched-key']).toBe('deps-b');
    expect(readFileSync(path.join(fresh.workspace, 'deps', 'sub', 'file.txt'), 'utf8')).toBe('two');
  });

  test('a pull request restores from main, saves to its own ref, and never leaks back to main', async () => {
    const pr = runner.job({ ref: 'refs/pull/9/merge', baseRef: 'main' });
    const r = await runner.run(bundles.restore, pr, inputs('deps-pr'));
    expect(r.outputs).toMatchObject({ 'cache-restored': 'true', 'cache-matched-key': 'deps-b' });
    writeFileSync(path.join(pr.workspace, 'deps', 'sub', 'file.txt'), 'from-pr');
    const saved = await runner.run(bundles.save, pr, inputs('deps-pr'), r.state);
    expect(saved.stdout).toContain('Cache saved with key: deps-pr (refs/pull/9/merge');

    const pr2 = runner.job({ ref: 'refs/pull/9/merge', baseRef: 'main' });
    const again = await runner.run(bundles.restore, pr2, inputs('deps-pr'));
    expect(again.outputs).toMatchObject({ 'cache-hit': 'true', 'cache-matched-key': 'deps-pr' });

    const main = runner.job();
    const onMain = await runner.run(bundles.restore, main, inputs('deps-pr'));
    expect(onMain.outputs).toMatchObject({ 'cache-hit': 'false', 'cache-matched-key': 'deps-b' });
    expect(readFileSync(path.join(main.workspace, 'deps', 'sub', 'file.txt'), 'utf8')).toBe('two');
  });

  test('save: false makes the combined action read-only', async () => {
    const job = runner.job();
    project(job, 'ro');
    const r = await runner.run(bundles.restore, job, inputs('ro-key', { save: 'false' }));
    const post = await runner.run(bundles.save, job, inputs('ro-key', { save: 'false' }), r.state);
    expect(post.stdout).toContain('Not saving: save is false.');
    const check = await runner.run(
      bundles.restore,
      runner.job(),
      inputs('ro-key', { 'restore-keys': '' }),
    );
    expect(check.outputs['cache-hit']).toBe('false');
  });

  test('fail-on-cache-miss fails the step on a miss; lookup-only downloads nothing', async () => {
    const job = runner.job();
    const miss = await runner.run(
      bundles.restore,
      job,
      inputs('nope', { 'restore-keys': '', 'fail-on-cache-miss': 'true' }),
    );
    expect(miss.code).toBe(1);
    expect(annotations(miss, 'error').join('\n')).toContain('fail-on-cache-miss');
    expect(miss.outputs['cache-hit']).toBe('false');

    const look = await runner.run(
      bundles.restore,
      job,
      inputs('deps-a', { 'lookup-only': 'true' }),
    );
    expect(look.outputs).toMatchObject({
      'cache-hit': 'true',
      'cache-restored': 'false',
      'cache-matched-key': 'deps-a',
    });
    expect(existsSync(path.join(job.workspace, 'deps'))).toBe(false);
  });

  test('invalid input fails the step naming the input; no storage configured explains the choices', async () => {
    const job = runner.job();
    const bad = await runner.run(bundles.restore, job, inputs('a,b'));
    expect(bad.code).toBe(1);
    expect(annotations(bad, 'error').join('\n')).toMatch(/cannot contain commas.*input: key/);
    expect(bad.outputs['cache-hit']).toBe('false');

    const none = await runner.run(bundles.restore, job, { path: 'deps', key: 'k' });
    expect(none.code).toBe(1);
    expect(annotations(none, 'error').join('\n')).toMatch(
      /No cache storage is configured.*s3-bucket/,
    );
  });

  test('a broken store is a warning and a miss, never a failed job', async () => {
    const job = runner.job();
    project(job, 'x');
    const blocker = path.join(runner.root, 'not-a-dir');
    writeFileSync(blocker, 'file where a directory should be');
    const r = await runner.run(
      bundles.restore,
      job,
      inputs('k', { 'fs-root': path.join(blocker, 'sub') }),
    );
    expect(r.code).toBe(0);
    expect(r.outputs['cache-hit']).toBe('false');
    const s = await runner.run(
      bundles.save,
      job,
      inputs('k', { 'fs-root': path.join(blocker, 'sub') }),
      r.state,
    );
    expect(s.code).toBe(0);
    expect(annotations(s, 'warning').join('\n')).toMatch(/cache save failed/);
  });

  test('a save with no matching files warns and uploads nothing', async () => {
    const job = runner.job();
    const s = await runner.run(bundles.save, job, {
      path: 'missing/**',
      key: 'none',
      'fs-root': store,
    });
    expect(s.code).toBe(0);
    expect(annotations(s, 'warning').join('\n')).toContain('Path Validation Error');
  });

  test('a runner without zstd misses zstd entries cleanly and keeps its own gzip entries', async () => {
    // PATH with tar and gzip but no zstd: auto compression resolves to gzip.
    const bin = path.join(runner.root, 'gzip-only-bin');
    mkdirSync(bin);
    for (const tool of ['tar', 'gzip', 'sh']) {
      const real = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find((p) => existsSync(p))!;
      symlinkSync(real, path.join(bin, tool));
    }
    const gzipOnly = (job: Job): Job => ({ ...job, env: { ...job.env, PATH: bin } });

    const job = gzipOnly(runner.job());
    const r = await runner.run(bundles.restore, job, inputs('deps-a'));
    expect(r.code).toBe(0);
    expect(r.outputs).toMatchObject({ 'cache-hit': 'false', 'cache-matched-key': '' });
    expect(annotations(r, 'warning')).toEqual([]);
    expect(r.stdout).toContain('gzip archives');

    project(job, 'gz');
    const s = await runner.run(bundles.save, job, inputs('deps-a'), r.state);
    expect(s.stdout).toContain('Cache saved with key: deps-a');
    const again = gzipOnly(runner.job());
    const hit = await runner.run(bundles.restore, again, inputs('deps-a'));
    expect(hit.outputs).toMatchObject({ 'cache-hit': 'true', 'cache-restored': 'true' });
    expect(readFileSync(path.join(again.workspace, 'deps', 'sub', 'file.txt'), 'utf8')).toBe('gz');
  });
});
