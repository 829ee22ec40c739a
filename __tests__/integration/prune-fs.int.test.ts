import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { bundles, type Job, Runner } from '../helpers/action-env.js';

const DAY = 86_400_000;

// The prune action on the fs backend (a runner's shared directory), with real files aged by utimes.
describe('last use and the prune action on the fs backend', () => {
  const runner = new Runner();
  const store = path.join(runner.root, 'store');
  afterAll(() => runner.cleanup());

  const inputs = (key: string) => ({ path: 'deps', key, 'fs-root': store });
  function project(job: Job, text: string): void {
    mkdirSync(path.join(job.workspace, 'deps'), { recursive: true });
    writeFileSync(path.join(job.workspace, 'deps', 'f.txt'), text);
  }
  function files(dir = store): string[] {
    if (!existsSync(dir)) return [];
    return readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((d) => d.isFile())
      .map((d) => path.relative(store, path.join(d.parentPath, d.name)))
      .sort();
  }
  /** Every file in the store `ms` older. */
  function age(ms: number): void {
    for (const f of files()) {
      const p = path.join(store, f);
      const t = new Date(statSync(p).mtimeMs - ms);
      utimesSync(p, t, t);
    }
  }

  test('older-than and keep, last use on disk, and stale temp files of killed saves', async () => {
    for (const key of ['gen-1', 'gen-2', 'gen-3']) {
      const job = runner.job();
      project(job, key);
      expect((await runner.run(bundles.save, job, inputs(key))).code).toBe(0);
      age(DAY);
    }
    const hit = await runner.run(bundles.restore, runner.job(), inputs('gen-1'));
    expect(hit.outputs['cache-hit']).toBe('true');
    expect(files().filter((f) => f.includes('/used/'))).toEqual([
      expect.stringMatching(/\/used\/gen-1$/),
    ]);
    // A save killed mid-write two days ago, and one writing now.
    const tmp = path.join(store, '.bucket-cache-tmp');
    mkdirSync(tmp, { recursive: true });
    writeFileSync(path.join(tmp, '0123456789abcdef-77-host.tmp'), 'partial');
    age(2 * DAY);
    writeFileSync(path.join(tmp, 'fedcba9876543210-78-host.tmp'), 'partial');

    const keep = await runner.run(bundles.prune, runner.job(), {
      'fs-root': store,
      keep: '2',
    });
    expect(keep.code).toBe(0);
    // keep counts generations by save time: gen-1 goes although it was just restored.
    expect(keep.stdout).toMatch(/Deleted gen-1 .*beyond the newest keep of its cache/);
    expect(keep.stdout).toContain('Aborted unfinished upload 0123456789abcdef-77-host.tmp');
    expect(files(tmp)).toEqual(['.bucket-cache-tmp/fedcba9876543210-78-host.tmp']);
    expect(
      files()
        .filter((f) => f.includes('/keys/'))
        .map((f) => path.basename(f)),
    ).toEqual(['gen-2', 'gen-3']);
    expect(files().filter((f) => f.includes('/used/'))).toEqual([]);

    const old = await runner.run(bundles.prune, runner.job(), {
      'fs-root': store,
      'older-than': '3d12h',
    });
    expect(old.outputs['entries-removed']).toBe('1');
    expect(
      files()
        .filter((f) => f.includes('/keys/'))
        .map((f) => path.basename(f)),
    ).toEqual(['gen-3']);
  });

  test('combined action with max-total-size: the post step keeps the repository under budget, least recently used out first', async () => {
    const fsRoot = path.join(runner.root, 'budget-store');
    const combined = (key: string, extra: Record<string, string> = {}) => ({
      path: 'deps',
      key,
      'fs-root': fsRoot,
      ...extra,
    });
    const archives = () =>
      readdirSync(fsRoot, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile() && d.parentPath.endsWith('archives'))
        .map((d) => statSync(path.join(d.parentPath, d.name)).size);
    const keys = () =>
      readdirSync(fsRoot, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile() && d.parentPath.endsWith('keys'))
        .map((d) => d.name)
        .sort();
    // One main step and its post step, as the runner runs `uses: bucket-cache@v1`.
    const job = async (key: string, extra: Record<string, string> = {}) => {
      const j = runner.job();
      project(j, `${key} ${'x'.repeat(2000)}`);
      const main = await runner.run(bundles.restore, j, combined(key, extra));
      const post = await runner.run(bundles.save, j, combined(key, extra), main.state);
      expect(post.code).toBe(0);
      return post;
    };
    await job('one');
    await job('two');
    const size = Math.max(...archives());
    // Restore "one" so that "two" is the least recently used.
    const hit = await runner.run(bundles.restore, runner.job(), combined('one'));
    expect(hit.outputs['cache-hit']).toBe('true');
    for (const f of readdirSync(fsRoot, { recursive: true, withFileTypes: true })) {
      if (f.isFile() && f.parentPath.endsWith('keys') && f.name === 'two') {
        const t = new Date(Date.now() - 60_000);
        utimesSync(path.join(f.parentPath, f.name), t, t);
      }
    }

    const third = await job('three', { 'max-total-size': String(2 * size + size / 2) });
    expect(third.stdout).toMatch(/Deleted two .*least recently used beyond max-total-size/);
    expect(third.stdout).toMatch(/holds .* in 2 entries \(max-total-size/);
    expect(keys()).toEqual(['one', 'three']);
    expect(third.stdout).not.toMatch(/^::warning/m);

    // A bad budget fails the post step like any invalid input; nothing is deleted.
    const j = runner.job();
    project(j, 'four');
    const post = await runner.run(bundles.save, j, combined('four', { 'max-total-size': 'big' }));
    expect(post.stdout).toMatch(/::error::.*max-total-size must be a size/);
    expect(keys()).toEqual(['one', 'three']);
  });
});
