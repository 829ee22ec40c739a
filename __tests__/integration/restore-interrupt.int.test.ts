import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { snapshot } from '../helpers/restore-harness.js';

// The built CLI restoring a 96 MiB entry, interrupted the ways a runner interrupts it: SIGTERM
// while tar is extracting (a cancelled job) and a write that fails mid-extraction (a full disk,
// simulated with a file size limit on tar). Either way the declared path must be exactly as it
// was, the staging and temp directories gone, no tar or zstd left running, and the exit prompt.
const bundle = path.resolve('dist/cli/index.js');
const root = mkdtempSync(path.join(os.tmpdir(), 'restore-interrupt-'));
const store = path.join(root, 'store');
const runnerTemp = path.join(root, 'runner-temp');
const common = ['--fs-root', store, '--repository', 'acme/app', '--ref', 'main'];
const args = ['restore', '--path', 'big', '--key', 'big-1', ...common];

function env(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', HOME: root, TMPDIR: os.tmpdir(), RUNNER_TEMP: runnerTemp };
}

beforeAll(() => {
  mkdirSync(runnerTemp);
  const ws = path.join(root, 'ws-save');
  for (let i = 0; i < 48; i++) {
    mkdirSync(path.join(ws, 'big', `d${i % 6}`), { recursive: true });
    writeFileSync(path.join(ws, 'big', `d${i % 6}`, `f${i}.bin`), randomBytes(2 * 1024 * 1024));
  }
  const saved = spawnSync(
    process.execPath,
    [bundle, 'save', '--path', 'big', '--key', 'big-1', ...common],
    {
      cwd: ws,
      env: env(),
      encoding: 'utf8',
    },
  );
  expect(saved.stderr).toMatch(/Cache saved with key: big-1/);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A workspace whose declared path holds an older tree. */
function workspaceWithOldTree(name: string): string {
  const ws = path.join(root, name);
  mkdirSync(path.join(ws, 'big', 'd0'), { recursive: true });
  writeFileSync(path.join(ws, 'big', 'd0', 'f0.bin'), 'old content');
  writeFileSync(path.join(ws, 'big', 'mine.txt'), 'kept');
  return ws;
}

/** PIDs of `pid`'s children. */
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

function stagingDirs(): string[] {
  return readdirSync(runnerTemp).flatMap((d) =>
    existsSync(path.join(runnerTemp, d)) ? readdirSync(path.join(runnerTemp, d)) : [],
  );
}

test.each([
  ['a fresh path', false],
  ['an existing tree', true],
])('SIGTERM during extraction into %s leaves it as it was', async (_label, existing) => {
  const ws = existing ? workspaceWithOldTree('ws-term-old') : path.join(root, 'ws-term-new');
  mkdirSync(ws, { recursive: true });
  const before = await snapshot(ws);
  const child = spawn(process.execPath, [bundle, ...args], { cwd: ws, env: env() });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  // Wait until tar is extracting into staging, then cancel as a runner does.
  let helpers: number[] = [];
  for (let i = 0; i < 400; i++) {
    helpers = childPids(child.pid!);
    if (helpers.length >= 2 && stagingDirs().some((d) => d.startsWith('.bucket-cache-staging-'))) {
      break;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(helpers.length).toBeGreaterThanOrEqual(2);
  const killedAt = Date.now();
  child.kill('SIGTERM');
  const code = await exited;
  expect(Date.now() - killedAt).toBeLessThan(3000);
  expect(code).toBe(143);
  expect(stderr).toMatch(/cancelled by SIGTERM/);
  expect(await snapshot(ws)).toEqual(before);
  expect(readdirSync(runnerTemp)).toEqual([]);
  expect(helpers.filter(alive)).toEqual([]);
});

test('a write that fails mid-extraction (a full disk) is a miss that changes nothing', async () => {
  const ws = workspaceWithOldTree('ws-full');
  const before = await snapshot(ws);
  // tar may write at most 1 MiB per file: the first 2 MiB member fails, as on a full disk.
  const r = spawnSync(
    'sh',
    ['-c', 'ulimit -f 2048; exec "$0" "$@"', process.execPath, bundle, ...args],
    {
      cwd: ws,
      env: env(),
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  expect(r.status).toBe(0);
  expect(r.stderr).toMatch(/extracting the cache archive failed: tar/);
  expect(r.stdout).not.toMatch(/cache-hit.*true/);
  expect(await snapshot(ws)).toEqual(before);
  expect(readdirSync(runnerTemp)).toEqual([]);
});

test('the same entry restores whole when nothing interrupts it', async () => {
  const ws = workspaceWithOldTree('ws-ok');
  const r = spawnSync(process.execPath, [bundle, ...args], {
    cwd: ws,
    env: env(),
    encoding: 'utf8',
  });
  expect(r.stderr).toMatch(/Cache restored from key: big-1/);
  const after = await snapshot(ws);
  expect(Object.keys(after).filter((k) => k.endsWith('.bin'))).toHaveLength(48);
  // Merged entry by entry: what the cache does not hold is kept.
  expect(after['big/mine.txt']).toMatch(/^file/);
  expect(readdirSync(runnerTemp)).toEqual([]);
});
