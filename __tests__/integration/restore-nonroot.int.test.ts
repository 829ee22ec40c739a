import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// GitHub's runners restore as an ordinary user, where tar applies the umask and a read-only
// directory cannot be written into without unlocking it first; this suite's CI runs as root. So
// the built CLI runs here as `nobody` (or as whoever runs the tests, if that is not root), with
// umask 027: modes come back as tar gives them to a non-root user, and a read-only directory
// both restores fresh and merges into an existing tree.
const bundle = path.resolve('dist/cli/index.js');
const asRoot = process.getuid?.() === 0;
const NOBODY = 65534;
const root = mkdtempSync(path.join(os.tmpdir(), 'restore-nonroot-'));
const store = path.join(root, 'store');
const common = ['--fs-root', store, '--repository', 'acme/app', '--ref', 'main', '--json'];

function cli(ws: string, args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(
    'sh',
    ['-c', 'umask 027; exec "$0" "$@"', process.execPath, bundle, ...args],
    {
      cwd: ws,
      env: { PATH: process.env.PATH ?? '', HOME: root, TMPDIR: path.join(root, 'tmp') },
      encoding: 'utf8',
      ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
    },
  );
  return { status: r.status, stderr: r.stderr };
}

/** A directory the CLI's user owns. */
function ownDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  if (asRoot) chownSync(dir, NOBODY, NOBODY);
  return dir;
}

function write(file: string, content: string, mode: number): void {
  writeFileSync(file, content);
  chmodSync(file, mode);
  if (asRoot) chownSync(file, NOBODY, NOBODY);
}

const modeOf = (p: string): number => statSync(p).mode & 0o7777;

beforeAll(() => {
  chmodSync(root, 0o755);
  ownDir(store);
  ownDir(path.join(root, 'tmp'));
  const ws = ownDir(path.join(root, 'ws-save'));
  const deps = ownDir(path.join(ws, 'deps'));
  write(path.join(deps, 'plain.txt'), 'plain', 0o644);
  write(path.join(deps, 'tool.sh'), '#!/bin/sh\n', 0o755);
  write(path.join(deps, 'private.key'), 'secret', 0o600);
  const ro = ownDir(path.join(deps, 'ro'));
  write(path.join(ro, 'inside.txt'), 'new', 0o644);
  chmodSync(ro, 0o555);
  const saved = cli(ws, ['save', '--path', 'deps', '--key', 'k-1', ...common]);
  expect(saved.stderr).toMatch(/Cache saved with key: k-1/);
});

afterAll(() => {
  // A read-only directory a non-root user made: make it removable first.
  spawnSync('chmod', ['-R', 'u+w', root]);
  rmSync(root, { recursive: true, force: true });
});

test('a fresh restore: the umask applies to files and directories, read-only stays read-only', () => {
  const ws = ownDir(path.join(root, 'ws-fresh'));
  const r = cli(ws, ['restore', '--path', 'deps', '--key', 'k-1', ...common, '--strict']);
  expect(r.status).toBe(0);
  expect(r.stderr).toMatch(/Cache restored from key: k-1/);
  const deps = path.join(ws, 'deps');
  expect(modeOf(path.join(deps, 'plain.txt'))).toBe(0o640);
  expect(modeOf(path.join(deps, 'tool.sh'))).toBe(0o750);
  expect(modeOf(path.join(deps, 'private.key'))).toBe(0o600);
  expect(modeOf(deps)).toBe(0o750);
  expect(modeOf(path.join(deps, 'ro'))).toBe(0o550);
  expect(readFileSync(path.join(deps, 'ro', 'inside.txt'), 'utf8')).toBe('new');
  if (asRoot) expect(statSync(path.join(deps, 'ro', 'inside.txt')).uid).toBe(NOBODY);
});

test('a merge into an existing tree writes into a read-only directory and leaves it read-only', () => {
  const ws = ownDir(path.join(root, 'ws-merge'));
  const deps = ownDir(path.join(ws, 'deps'));
  write(path.join(deps, 'mine.txt'), 'kept', 0o644);
  const ro = ownDir(path.join(deps, 'ro'));
  write(path.join(ro, 'inside.txt'), 'old', 0o644);
  chmodSync(ro, 0o555);
  const r = cli(ws, ['restore', '--path', 'deps', '--key', 'k-1', ...common, '--strict']);
  expect(r.status).toBe(0);
  expect(r.stderr).toMatch(/Cache restored from key: k-1/);
  expect(readFileSync(path.join(ro, 'inside.txt'), 'utf8')).toBe('new');
  expect(readFileSync(path.join(deps, 'mine.txt'), 'utf8')).toBe('kept');
  expect(modeOf(ro)).toBe(0o550);
  expect(modeOf(path.join(deps, 'tool.sh'))).toBe(0o750);
});
