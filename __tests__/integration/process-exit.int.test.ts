import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { AzureBackend } from '../../src/storage/azure-backend.js';
import { S3Backend } from '../../src/storage/s3-backend.js';
import { type Azurite, startAzurite } from '../helpers/azurite.js';
import { transferSettings } from '../helpers/fixtures.js';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.js';
import { s3Storage } from '../helpers/s3-storage.js';

// The built CLI and action bundles as processes (issue 9, item 8): SIGTERM mid-save leaves
// nothing partial and exits 143 promptly; and after success or failure the process exits within
// 1 s of its last write (no keep-alive socket, timer or SDK agent holding the event loop).
const cli = path.resolve('dist/cli/index.js');
const saveBundle = path.resolve('dist/save/index.js');
const restoreBundle = path.resolve('dist/restore/index.js');
const root = mkdtempSync(path.join(os.tmpdir(), 'process-exit-'));
let s3: S3TestServer;
let azurite: Azurite;
let big: string;

beforeAll(async () => {
  [s3, azurite] = await Promise.all([startS3Server(), startAzurite()]);
  // 24 MiB that zstd cannot shrink: a save of it takes seconds at level 19 or on a slow link.
  big = path.join(root, 'ws-big');
  for (let i = 0; i < 12; i++) {
    mkdirSync(path.join(big, 'big', `d${i % 3}`), { recursive: true });
    writeFileSync(path.join(big, 'big', `d${i % 3}`, `f${i}.bin`), randomBytes(2 * 1024 * 1024));
  }
});
afterAll(async () => {
  await Promise.all([s3?.stop(), azurite?.stop()]);
  rmSync(root, { recursive: true, force: true });
});
afterEach(() => {
  s3.proxy.reset();
  s3.proxy.shape({});
});

interface Run {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  /** When the parent last received a byte of stdout or stderr. */
  lastWrite: number;
  exited: Promise<{ code: number | null; at: number }>;
}

let n = 0;
function start(
  script: string,
  args: string[],
  o: { cwd: string; env?: NodeJS.ProcessEnv },
): Run & { runnerTemp: string } {
  const runnerTemp = path.join(root, `temp-${++n}`);
  mkdirSync(runnerTemp);
  const child = spawn(process.execPath, [script, ...args], {
    cwd: o.cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: root,
      TMPDIR: os.tmpdir(),
      RUNNER_TEMP: runnerTemp,
      ...o.env,
    },
  });
  const run = {
    child,
    runnerTemp,
    stdout: '',
    stderr: '',
    lastWrite: Date.now(),
    exited: new Promise<{ code: number | null; at: number }>((resolve) =>
      child.on('exit', (code) => resolve({ code, at: Date.now() })),
    ),
  };
  child.stdout.on('data', (c: Buffer) => {
    run.stdout += c.toString();
    run.lastWrite = Date.now();
  });
  child.stderr.on('data', (c: Buffer) => {
    run.stderr += c.toString();
    run.lastWrite = Date.now();
  });
  return run;
}

const s3Env = (secret = s3.secretAccessKey): NodeJS.ProcessEnv => ({
  AWS_ACCESS_KEY_ID: s3.accessKeyId,
  AWS_SECRET_ACCESS_KEY: secret,
});
const s3Flags = (prefix: string): string[] => [
  '--s3-bucket',
  s3.bucket,
  '--s3-region',
  s3.region,
  '--s3-endpoint',
  s3.endpoint,
  '--s3-force-path-style',
  '--prefix',
  prefix,
  '--repository',
  'acme/app',
  '--ref',
  'main',
];

/** An action bundle run as the runner runs it: inputs as INPUT_*, file commands pre-created. */
function startAction(bundle: string, ws: string, inputs: Record<string, string>, env = {}) {
  const files = mkdtempSync(path.join(root, 'files-'));
  const fileEnv: NodeJS.ProcessEnv = {
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: ws,
    GITHUB_REPOSITORY: 'acme/app',
    GITHUB_REF: 'refs/heads/main',
    ...env,
  };
  for (const f of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY']) {
    fileEnv[f] = path.join(files, f);
    writeFileSync(fileEnv[f], '');
  }
  for (const [k, v] of Object.entries(inputs)) fileEnv[`INPUT_${k.toUpperCase()}`] = v;
  return start(bundle, [], { cwd: ws, env: fileEnv });
}

function childPids(pid: number): number[] {
  const r = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number);
}
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 20_000) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Files under `dir`, recursively, as relative paths. */
function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
    statSync(path.join(dir, f)).isFile(),
  );
}

/** Sends SIGTERM and checks the process went promptly, its helpers with it, its temp dir empty. */
async function terminate(run: ReturnType<typeof start>): Promise<void> {
  const helpers = childPids(run.child.pid!);
  const killedAt = Date.now();
  run.child.kill('SIGTERM');
  const { code, at } = await run.exited;
  expect(at - killedAt).toBeLessThan(3000);
  expect(code).toBe(143);
  expect(run.stderr + run.stdout).toMatch(/cancelled by SIGTERM/);
  expect(helpers.filter(alive)).toEqual([]);
  expect(readdirSync(run.runnerTemp)).toEqual([]);
}

describe('SIGTERM mid-save', () => {
  test('fs, CLI: exits 143, no entry, no temp object, tar and zstd gone; the next save succeeds', async () => {
    const store = path.join(root, 'store-term-cli');
    const args = ['--path', 'big', '--key', 'big-1', '--fs-root', store];
    const common = ['--repository', 'acme/app', '--ref', 'main', '--compression-level', '19'];
    const run = start(cli, ['save', ...args, ...common], { cwd: big });
    // Wait until the archive is streaming into the store's temp file, and tar and zstd run.
    await until('the upload to start', () =>
      files(store).some((f) => f.endsWith('.tmp') && statSync(path.join(store, f)).size > 0),
    );
    expect(childPids(run.child.pid!).length).toBeGreaterThanOrEqual(1);
    await terminate(run);
    expect(files(store)).toEqual([]);

    const again = start(cli, ['save', ...args, '--repository', 'acme/app', '--ref', 'main'], {
      cwd: big,
    });
    expect((await again.exited).code).toBe(0);
    expect(again.stderr).toMatch(/Cache saved with key: big-1/);
    expect(files(store).filter((f) => f.includes('/keys/'))).toHaveLength(1);
  });

  test('fs, action save step: exits 143 with nothing in the store', async () => {
    const store = path.join(root, 'store-term-action');
    const run = startAction(saveBundle, big, {
      path: 'big',
      key: 'big-1',
      'fs-root': store,
      'compression-level': '19',
    });
    await until('the upload to start', () =>
      files(store).some((f) => f.endsWith('.tmp') && statSync(path.join(store, f)).size > 0),
    );
    await terminate(run);
    expect(files(store)).toEqual([]);
  });

  test('s3, CLI: exits 143, no entry, the multipart upload aborted; the next save succeeds', async () => {
    const prefix = 'term';
    // A slow link keeps the upload going: parts are in flight when the signal comes.
    s3.proxy.shape({ bytesPerSecond: 2 * 1024 * 1024 });
    const args = ['save', '--path', 'big', '--key', 'big-1', '--part-size', '5MiB'];
    const run = start(cli, [...args, ...s3Flags(prefix)], { cwd: big, env: s3Env() });
    await until('a part upload', () =>
      s3.proxy.requests.some((r) => r.method === 'PUT' && r.query.has('partNumber')),
    );
    await terminate(run);
    s3.proxy.shape({});
    expect(await s3.proxy.openUploads(s3.bucket)).toEqual([]);
    // Nothing at all under the prefix: no manifest, no archive.
    const store = new S3Backend(s3Storage(s3), transferSettings());
    try {
      expect(await store.list(`${prefix}/`)).toEqual([]);
    } finally {
      await store.close();
    }

    const again = start(cli, [...args, ...s3Flags(prefix)], { cwd: big, env: s3Env() });
    expect((await again.exited).code).toBe(0);
    expect(again.stderr).toMatch(/Cache saved with key: big-1/);
  });
});

test('SIGTERM mid-save, azure, action save step: exits 143, nothing committed', async () => {
  const prefix = 'term-azure';
  const run = startAction(saveBundle, big, {
    path: 'big',
    key: 'big-1',
    'azure-container': azurite.container,
    'azure-account-name': azurite.accountName,
    'azure-account-key': azurite.accountKey,
    'azure-endpoint': azurite.endpoint,
    prefix,
    'compression-level': '19',
    'upload-chunk-size': '5MiB',
  });
  // zstd -19 takes seconds over 24 MiB of noise: wait until it runs and the upload has begun.
  const started = Date.now();
  await until('tar and zstd', () => childPids(run.child.pid!).length >= 1);
  await until('a second', () => Date.now() - started > 1500);
  await terminate(run);
  const store = new AzureBackend(
    {
      kind: 'azure',
      container: azurite.container,
      accountName: azurite.accountName,
      accountKey: azurite.accountKey,
      endpoint: azurite.endpoint,
    },
    transferSettings(),
  );
  try {
    expect(await store.list(`${prefix}/`)).toEqual([]);
    // Blocks staged before the signal stay uncommitted, for prune (or the service) to drop.
    const left = await store.listIncompleteUploads(`${prefix}/`);
    expect(left.every((u) => u.name?.includes('/archives/'))).toBe(true);
  } finally {
    await store.close();
  }
});

describe('the process exits within 1 s of its last write', () => {
  const small = (): string => {
    const ws = path.join(root, `ws-small-${++n}`);
    mkdirSync(path.join(ws, 'deps'), { recursive: true });
    writeFileSync(path.join(ws, 'deps', 'a.txt'), 'a');
    return ws;
  };
  async function quietExit(run: Run, code: number): Promise<void> {
    const exit = await run.exited;
    expect(exit.code).toBe(code);
    expect(exit.at - run.lastWrite).toBeLessThan(1000);
  }

  test('CLI on S3: after a save, a hit, a miss, and a refused credential (also --strict)', async () => {
    const ws = small();
    const save = start(cli, ['save', '--path', 'deps', '--key', 'k1', ...s3Flags('exit')], {
      cwd: ws,
      env: s3Env(),
    });
    await quietExit(save, 0);
    expect(save.stderr).toMatch(/Cache saved/);
    const restore = (key: string, extra: string[] = [], env = s3Env()) =>
      start(cli, ['restore', '--path', 'deps', '--key', key, ...extra, ...s3Flags('exit')], {
        cwd: small(),
        env,
      });
    const hit = restore('k1');
    await quietExit(hit, 0);
    expect(hit.stderr).toMatch(/Cache restored/);
    await quietExit(restore('nothing'), 0);
    const refused = restore('k1', [], s3Env('wrong-secret'));
    await quietExit(refused, 0);
    expect(refused.stderr).toMatch(/warning: /);
    await quietExit(restore('k1', ['--strict'], s3Env('wrong-secret')), 1);
  });

  test('action bundles on S3: restore and save after success and after failure', async () => {
    const inputs = (secret = s3.secretAccessKey) => ({
      path: 'deps',
      key: 'k2',
      's3-bucket': s3.bucket,
      's3-region': s3.region,
      's3-endpoint': s3.endpoint,
      's3-force-path-style': 'true',
      'aws-access-key-id': s3.accessKeyId,
      'aws-secret-access-key': secret,
      prefix: 'exit-action',
    });
    const saved = startAction(saveBundle, small(), inputs());
    await quietExit(saved, 0);
    expect(saved.stdout).toMatch(/Cache saved/);
    const hit = startAction(restoreBundle, small(), inputs());
    await quietExit(hit, 0);
    expect(hit.stdout).toMatch(/Cache restored/);
    const failedRestore = startAction(restoreBundle, small(), inputs('wrong'));
    await quietExit(failedRestore, 0);
    expect(failedRestore.stdout).toMatch(/::warning/);
    const failedSave = startAction(saveBundle, small(), { ...inputs('wrong'), key: 'k3' });
    await quietExit(failedSave, 0);
    expect(failedSave.stdout).toMatch(/::warning/);
    const strict = startAction(restoreBundle, small(), {
      ...inputs('wrong'),
      'fail-on-error': 'true',
    });
    await quietExit(strict, 1);
  });

  test('action bundles on Azure: restore and save after success and after failure', async () => {
    const inputs = (key = azurite.accountKey) => ({
      path: 'deps',
      key: 'k4',
      'azure-container': azurite.container,
      'azure-account-name': azurite.accountName,
      'azure-account-key': key,
      'azure-endpoint': azurite.endpoint,
      prefix: 'exit-azure',
    });
    const wrong = Buffer.from('not the key').toString('base64');
    const saved = startAction(saveBundle, small(), inputs());
    await quietExit(saved, 0);
    expect(saved.stdout).toMatch(/Cache saved/);
    const hit = startAction(restoreBundle, small(), inputs());
    await quietExit(hit, 0);
    expect(hit.stdout).toMatch(/Cache restored/);
    const failedRestore = startAction(restoreBundle, small(), inputs(wrong));
    await quietExit(failedRestore, 0);
    expect(failedRestore.stdout).toMatch(/::warning/);
    const failedSave = startAction(saveBundle, small(), { ...inputs(wrong), key: 'k5' });
    await quietExit(failedSave, 0);
    expect(failedSave.stdout).toMatch(/::warning/);
  });
});
