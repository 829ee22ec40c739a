import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';

import { FsBackend } from '../../src/storage/fs-backend.js';
import { annotations, bundles, project, Runner } from '../helpers/action-env.js';
import { freePort } from '../helpers/net.js';

// Configuration errors fail the step with the input's name: the built bundles and the CLI.
describe('configuration errors fail the step, naming the input', () => {
  const runner = new Runner();
  afterAll(() => runner.cleanup());
  const sas = 'sv=2024-08-04&sr=c&sp=rl&se=2030-01-01T00%3A00%3A00Z&sig=abc%3D';

  test.each([
    [{ 'azure-container': 'Build_Cache', 'azure-account-name': 'acct' }, /azure-container/],
    [
      { 'azure-container': 'cache', 'azure-account-name': 'acct', 'azure-sas-token': 'hunter22' },
      /azure-sas-token is not a SAS token.*input: azure-sas-token/,
    ],
    [
      {
        'azure-container': 'cache',
        'azure-connection-string': 'UseDevelopmentStorage=true',
        'azure-sas-token': sas,
      },
      /cannot be combined with azure-sas-token.*input: azure-connection-string/,
    ],
    [
      { 'azure-container': 'cache', 'azure-account-name': 'acct', 'azure-endpoint': 'acct.blob' },
      /input: azure-endpoint/,
    ],
    [{ 's3-bucket': 'b', 's3-endpoint': 'minio:9000' }, /input: s3-endpoint/],
  ])('%j: restore and save fail with an error annotation', async (storage, message) => {
    const job = runner.job();
    project(job, 'x');
    const inputs = { path: 'deps', key: 'k', ...storage };
    for (const bundle of [bundles.restore, bundles.save]) {
      const run = await runner.run(bundle, job, inputs);
      expect(run.code).not.toBe(0);
      expect(annotations(run, 'error').join('\n')).toMatch(message);
      expect(annotations(run, 'warning')).toEqual([]);
    }
  });

  test('fs-root inside a cached path fails both steps naming both inputs; nothing is written', async () => {
    const job = runner.job();
    project(job, 'x');
    const inputs = { path: 'deps', key: 'k', 'fs-root': 'deps/.cache-store' };
    for (const bundle of [bundles.restore, bundles.save]) {
      const run = await runner.run(bundle, job, inputs);
      expect(run.code).not.toBe(0);
      expect(annotations(run, 'error').join('\n')).toMatch(
        /fs-root .*deps\/\.cache-store.* is inside the cached path .*deps.*input: fs-root/,
      );
    }
    expect(spawnSync('ls', ['-A', path.join(job.workspace, 'deps')]).stdout.toString()).not.toMatch(
      /cache-store/,
    );
  });

  test('the CLI exits 2 with the same message and the flag to change', () => {
    const ws = path.join(runner.root, 'cli-ws');
    mkdirSync(path.join(ws, 'deps'), { recursive: true });
    writeFileSync(path.join(ws, 'deps', 'a'), 'a');
    const r = spawnSync(
      process.execPath,
      [
        path.resolve('dist/cli/index.js'),
        'save',
        '--path',
        'deps',
        '--key',
        'k',
        '--azure-container',
        'cache',
        '--azure-account-name',
        'acct',
        '--azure-sas-token',
        'https://acct.blob.core.windows.net/cache?sv=1&sig=x',
      ],
      {
        cwd: ws,
        env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir() },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr + r.stdout).toMatch(/azure-sas-token is not a SAS token.*--azure-sas-token/s);
  });
});

// fail-on-error: the action's twin of the CLI's --strict.
describe('fail-on-error', () => {
  const runner = new Runner();
  afterAll(() => runner.cleanup());
  /** A store the fs backend cannot use: its root lies below a regular file. */
  const broken = (): string => {
    const blocker = path.join(runner.root, `blocker-${Math.random().toString(36).slice(2)}`);
    writeFileSync(blocker, 'a file where a directory should be');
    return path.join(blocker, 'store');
  };

  test('default: a broken store is a warning, and both steps pass', async () => {
    const job = runner.job();
    project(job, 'x');
    const inputs = { path: 'deps', key: 'k', 'fs-root': broken() };
    const r = await runner.run(bundles.restore, job, inputs);
    const s = await runner.run(bundles.save, job, inputs, r.state);
    for (const run of [r, s]) {
      expect(run.code).toBe(0);
      expect(annotations(run, 'error')).toEqual([]);
    }
    expect(annotations(s, 'warning').join('\n')).toMatch(/cache save failed/);
  });

  test('true: restore, the combined post step and save fail with an error annotation naming the cause', async () => {
    const job = runner.job();
    project(job, 'x');
    // Nothing listens there: every request is refused.
    const deadStore = {
      's3-bucket': 'b',
      's3-endpoint': `http://127.0.0.1:${await freePort()}`,
      'aws-access-key-id': 'AKIDEXAMPLE',
      'aws-secret-access-key': 'secret',
    };
    const inputs = { path: 'deps', key: 'k', 'fail-on-error': 'true', ...deadStore };
    const r = await runner.run(bundles.restore, job, inputs);
    expect(r.code).not.toBe(0);
    expect(r.outputs['cache-hit']).toBe('false');
    const restoreErrors = annotations(r, 'error').join('\n');
    expect(restoreErrors).toMatch(/cache restore failed: .*127\.0\.0\.1/);
    expect(restoreErrors).toMatch(/fail-on-error is set/);
    expect(annotations(r, 'warning')).toEqual([]);
    // The post step of the combined action, with the main step's state.
    const post = await runner.run(bundles.save, job, inputs, r.state);
    expect(post.code).not.toBe(0);
    expect(annotations(post, 'error').join('\n')).toMatch(
      /cache save failed.*\n.*fail-on-error is set/s,
    );
    // The fs backend that cannot write: the save sub-action, no state.
    const other = runner.job();
    project(other, 'y');
    const s = await runner.run(bundles.save, other, {
      path: 'deps',
      key: 'k',
      'fs-root': broken(),
      'fail-on-error': 'true',
    });
    expect(s.code).not.toBe(0);
    expect(annotations(s, 'error').join('\n')).toMatch(/cache save failed/);
  });

  test('true: a miss and a saved entry are not errors', async () => {
    const job = runner.job();
    project(job, 'x');
    const inputs = {
      path: 'deps',
      key: 'k',
      'fs-root': path.join(runner.root, 'good-store'),
      'fail-on-error': 'true',
    };
    const r = await runner.run(bundles.restore, job, inputs);
    expect(r.code).toBe(0);
    const s = await runner.run(bundles.save, job, inputs, r.state);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain('Cache saved with key: k');
  });

  test('the CLI takes --fail-on-error as --strict', () => {
    const ws = path.join(runner.root, 'cli-strict');
    mkdirSync(path.join(ws, 'deps'), { recursive: true });
    writeFileSync(path.join(ws, 'deps', 'a'), 'a');
    const run = (extra: string[]) =>
      spawnSync(
        process.execPath,
        [
          path.resolve('dist/cli/index.js'),
          'save',
          '--path',
          'deps',
          '--key',
          'k',
          '--fs-root',
          broken(),
          ...extra,
        ],
        {
          cwd: ws,
          env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir() },
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
    expect(run([]).status).toBe(0);
    expect(run(['--fail-on-error']).status).toBe(1);
    expect(run(['--strict']).status).toBe(1);
  });
});

// The restore half (finding the entry unusable) is the restore rewrite's; this pins the hand-over.
describe('the combined action replaces an entry its main step found unusable', () => {
  const runner = new Runner();
  const root = path.join(runner.root, 'store');
  afterAll(() => runner.cleanup());

  test('the post step replaces it only while it is the manifest the main step saw', async () => {
    const inputs = { path: 'deps', key: 'deps-bad', 'fs-root': root };
    const first = runner.job();
    project(first, 'one');
    expect((await runner.run(bundles.save, first, inputs)).code).toBe(0);
    const store = new FsBackend({ kind: 'fs', root });
    const [manifest] = (await store.list('')).filter((o) => o.name.includes('/keys/'));
    const [archive] = (await store.list('')).filter((o) => o.name.includes('/archives/'));
    await store.put(archive!.name, Readable.from([Buffer.from('truncated')]));
    const seen = (await store.stat(manifest!.name))!;
    const state = (etag: string) => ({
      'restore-state': JSON.stringify({
        v: 1,
        primaryKey: 'deps-bad',
        exact: false,
        unusable: { manifestName: manifest!.name, etag },
      }),
    });

    // A stale etag (someone replaced the entry since): the post step keeps what is there.
    const job = runner.job();
    project(job, 'two');
    const stale = await runner.run(bundles.save, job, inputs, state('"stale"'));
    expect(stale.stdout).toContain('already exists');
    expect((await store.stat(manifest!.name))!.etag).toBe(seen.etag);

    const post = await runner.run(bundles.save, job, inputs, state(seen.etag!));
    expect(post.code).toBe(0);
    expect(post.stdout).toContain('Replacing the unusable cache entry for key deps-bad');
    expect(post.stdout).toContain('Cache saved with key: deps-bad');
    const fresh = runner.job();
    const hit = await runner.run(bundles.restore, fresh, inputs);
    expect(hit.outputs['cache-hit']).toBe('true');
    expect(readFileSync(path.join(fresh.workspace, 'deps', 'sub', 'file.txt'), 'utf8')).toBe('two');
  });

  test('found unusable, an older match restored instead: outputs name that one, the post step still replaces the bad one', async () => {
    const inputs = { path: 'deps', key: 'deps-own', 'restore-keys': 'deps-', 'fs-root': root };
    const older = runner.job();
    project(older, 'older');
    expect((await runner.run(bundles.save, older, { ...inputs, key: 'deps-older' })).code).toBe(0);
    const store = new FsBackend({ kind: 'fs', root });
    const before = new Set((await store.list('')).map((o) => o.name));
    const bad = runner.job();
    project(bad, 'bad');
    expect((await runner.run(bundles.save, bad, inputs)).code).toBe(0);
    const added = (await store.list('')).filter((o) => !before.has(o.name));
    const archive = added.find((o) => o.name.includes('/archives/'))!;
    await store.put(archive.name, Readable.from([Buffer.from('truncated')]));

    const job = runner.job();
    const main = await runner.run(bundles.restore, job, inputs);
    expect(main.code).toBe(0);
    expect(main.outputs).toMatchObject({
      'cache-hit': 'false',
      'cache-restored': 'true',
      'cache-matched-key': 'deps-older',
    });
    expect(readFileSync(path.join(job.workspace, 'deps', 'sub', 'file.txt'), 'utf8')).toBe('older');
    expect(annotations(main, 'warning')).toEqual([
      expect.stringMatching(/key deps-own .* is unusable.*trying the next match/),
    ]);
    const state = JSON.parse(main.state['restore-state']!) as { unusable?: unknown };
    expect(state.unusable).toMatchObject({
      manifestName: expect.stringContaining('/keys/deps-own'),
    });

    writeFileSync(path.join(job.workspace, 'deps', 'sub', 'file.txt'), 'new');
    const post = await runner.run(bundles.save, job, inputs, main.state);
    expect(post.stdout).toContain('Replacing the unusable cache entry for key deps-own');
    const fresh = runner.job();
    const hit = await runner.run(bundles.restore, fresh, inputs);
    expect(hit.outputs['cache-hit']).toBe('true');
    expect(readFileSync(path.join(fresh.workspace, 'deps', 'sub', 'file.txt'), 'utf8')).toBe('new');
  });
});
