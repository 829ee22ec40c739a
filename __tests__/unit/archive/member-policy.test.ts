import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import {
  checkMembers,
  checkOnDisk,
  isInside,
  MemberPolicy,
} from '../../../src/archive/member-policy.js';
import type { TarEntry } from '../../../src/archive/tar-entries.js';
import { UnsafeArchiveError } from '../../../src/errors.js';

const WS = '/home/x/work/repo';
const f = (name: string): TarEntry => ({
  name,
  type: 'file',
  linkName: '',
  size: 1,
  typeflag: '0',
});
const d = (name: string): TarEntry => ({ name, type: 'dir', linkName: '', size: 0, typeflag: '5' });
const sym = (name: string, linkName: string): TarEntry => ({
  name,
  type: 'symlink',
  linkName,
  size: 0,
  typeflag: '2',
});
const hard = (name: string, linkName: string): TarEntry => ({
  name,
  type: 'hardlink',
  linkName,
  size: 0,
  typeflag: '1',
});

function refusal(entries: TarEntry[], roots: string[], foldCase = false): string {
  try {
    checkMembers(entries, { workspace: WS, allowedRoots: roots, foldCase });
  } catch (err) {
    expect(err).toBeInstanceOf(UnsafeArchiveError);
    return (err as Error).message;
  }
  throw new Error('expected the archive to be refused');
}

describe('MemberPolicy', () => {
  const nm = `${WS}/node_modules`;

  test('accepts members below a declared root, including ./-prefixed and dir-with-slash names', () => {
    const policy = checkMembers(
      [
        d('node_modules/'),
        d('./node_modules/a'),
        f('node_modules/a/index.js'),
        f('node_modules//b'),
      ],
      { workspace: WS, allowedRoots: [nm] },
    );
    expect(policy.onDiskChecks().map((c) => c.path)).toEqual([nm, `${nm}/a`]);
  });

  test('refuses ../ escapes, naming the member', () => {
    expect(refusal([f('node_modules/ok'), f('../escape')], [nm])).toMatch(
      /member '..\/escape'.*outside the declared paths/,
    );
    expect(refusal([f('../../home/x/.bashrc')], [nm])).toMatch(/outside the declared paths/);
  });

  test('refuses members outside every root even inside the workspace', () => {
    expect(refusal([f('src/index.ts')], [nm])).toMatch(/'src\/index.ts'.*outside/);
  });

  test('refuses absolute names even when they point inside a root', () => {
    expect(refusal([f(`${nm}/x`)], [nm])).toMatch(/is absolute/);
    expect(refusal([f('/etc/passwd')], [nm])).toMatch(/'\/etc\/passwd'.*is absolute/);
  });

  test("refuses '..' after a directory name (the kernel would resolve it through symlinks)", () => {
    expect(refusal([f('node_modules/a/../b')], [nm])).toMatch(/'\.\.' after a directory name/);
  });

  test('allows ../-relative members under a declared root outside the workspace (~/.npm)', () => {
    const npm = '/home/x/.npm';
    const policy = checkMembers(
      [d('../../.npm'), f('../../.npm/_cacache/index'), sym('../../.npm/link', '/anywhere')],
      { workspace: WS, allowedRoots: [npm, nm] },
    );
    expect(policy.onDiskChecks().map((c) => c.path)).toEqual([npm, `${npm}/_cacache`]);
    expect(refusal([f('../../.npmrc')], [npm])).toMatch(/outside/);
  });

  test('lets symlinks point anywhere (node_modules/.bin needs that)', () => {
    expect(() =>
      checkMembers(
        [sym('node_modules/.bin/tsc', '../typescript/bin/tsc'), sym('node_modules/e', '/etc')],
        {
          workspace: WS,
          allowedRoots: [nm],
        },
      ),
    ).not.toThrow();
  });

  test('refuses writing through a symlink an earlier member made', () => {
    expect(refusal([sym('node_modules/a', '/etc'), f('node_modules/a/passwd')], [nm])).toMatch(
      /'node_modules\/a\/passwd'.*written through '.*node_modules\/a', a symlink/,
    );
    // ...at any depth, and even when the symlink points inside the root.
    expect(
      refusal([sym('node_modules/a', 'b'), d('node_modules/a/x'), f('node_modules/a/x/y')], [nm]),
    ).toMatch(/'node_modules\/a\/x'/);
    // ...spelled differently.
    expect(refusal([sym('./node_modules/a', '/etc'), f('node_modules//a/passwd')], [nm])).toMatch(
      /written through/,
    );
  });

  test('refuses a directory member over an earlier symlink member', () => {
    expect(refusal([sym('node_modules/a', '/tmp'), d('node_modules/a')], [nm])).toMatch(
      /directory over a symlink/,
    );
  });

  test('a later file member may replace a symlink, but the path stays tainted', () => {
    expect(
      refusal([sym('node_modules/a', '/etc'), f('node_modules/a'), f('node_modules/a/x')], [nm]),
    ).toMatch(/written through/);
  });

  test('folds case when asked to, as on macOS and Windows', () => {
    const entries = [sym('node_modules/Evil', '/etc'), f('node_modules/evil/passwd')];
    expect(() => checkMembers(entries, { workspace: WS, allowedRoots: [nm] })).not.toThrow();
    expect(refusal(entries, [nm], true)).toMatch(/written through/);
  });

  test('refuses hard links whose target resolves outside the roots or is absolute', () => {
    expect(refusal([hard('node_modules/h', '../outside/secret')], [nm])).toMatch(
      /hard link target '..\/outside\/secret'.*outside/,
    );
    expect(refusal([hard('node_modules/h', '/etc/shadow')], [nm])).toMatch(/is absolute/);
    expect(refusal([hard('node_modules/h', '')], [nm])).toMatch(/empty hard link target/);
  });

  test('refuses hard links through, or to, an earlier symlink member', () => {
    expect(
      refusal(
        [sym('node_modules/s', '/etc'), hard('node_modules/h', 'node_modules/s/passwd')],
        [nm],
      ),
    ).toMatch(/written through/);
    expect(
      refusal(
        [sym('node_modules/s', '/etc/passwd'), hard('node_modules/h', 'node_modules/s')],
        [nm],
      ),
    ).toMatch(/hard link to 'node_modules\/s', a symlink/);
  });

  test('accepts hard links inside the roots and records the target for the disk check', () => {
    const policy = checkMembers([f('node_modules/a'), hard('node_modules/b/h', 'node_modules/a')], {
      workspace: WS,
      allowedRoots: [nm],
    });
    expect(policy.onDiskChecks()).toContainEqual({ path: `${nm}/a`, member: 'node_modules/b/h' });
  });

  test('refuses devices and FIFOs wherever they are', () => {
    const dev: TarEntry = {
      name: 'node_modules/null',
      type: 'other',
      linkName: '',
      size: 0,
      typeflag: '3',
    };
    const fifo: TarEntry = { ...dev, name: 'node_modules/p', typeflag: '6' };
    expect(refusal([dev], [nm])).toMatch(/'node_modules\/null'.*character device/);
    expect(refusal([fifo], [nm])).toMatch(/FIFO/);
  });

  test('refuses empty names and a member equal to the filesystem root', () => {
    expect(refusal([f('')], [nm])).toMatch(/empty member name/);
    expect(refusal([d('/')], ['/'])).toMatch(/absolute/);
  });

  test('a member may be the root itself (a cached single file or directory)', () => {
    const policy = new MemberPolicy({ workspace: WS, allowedRoots: [`${WS}/package-lock.json`] });
    expect(() => policy.check(f('package-lock.json'))).not.toThrow();
    expect(() => policy.check(f('package-lock.json.bak'))).toThrow(UnsafeArchiveError);
  });
});

describe('isInside', () => {
  test.each([
    ['/a/b', '/a/b', true],
    ['/a/b', '/a/b/c', true],
    ['/a/b', '/a/bc', false],
    ['/a/b', '/a', false],
    ['/a/b', '/a/b/../c', false],
    ['/', '/x', true],
    ['/a', '/a/..b', true],
  ])('isInside(%s, %s) is %s', (root, p, expected) => {
    expect(isInside(root, path.resolve(p))).toBe(expected);
  });
});

describe('checkOnDisk', () => {
  let tmp: string;
  let root: string;
  let outside: string;

  beforeEach(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'policy-'));
    root = path.join(tmp, 'ws', 'cache');
    outside = path.join(tmp, 'outside');
    await mkdir(path.join(root, 'real', 'deeper'), { recursive: true });
    await mkdir(outside);
    await writeFile(path.join(outside, 'secret'), 's');
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  const check = (p: string, roots = [root]) =>
    checkOnDisk([{ path: p, member: 'the/member' }], roots);

  test('passes real directories and paths that do not exist yet', async () => {
    await expect(check(path.join(root, 'real', 'deeper'))).resolves.toBeUndefined();
    await expect(check(path.join(root, 'new', 'dir'))).resolves.toBeUndefined();
  });

  test('refuses an existing symlinked ancestor that leads outside the roots, naming the member', async () => {
    await symlink(outside, path.join(root, 'real', 'out'));
    await expect(check(path.join(root, 'real', 'out', 'x'))).rejects.toThrow(
      /member 'the\/member'.*real\/out, an existing symlink to .*outside/,
    );
  });

  test('checks the path itself (a directory member, a hard-link target)', async () => {
    await symlink(outside, path.join(root, 'out'));
    await expect(check(path.join(root, 'out'))).rejects.toThrow(UnsafeArchiveError);
  });

  test('accepts symlinks that stay inside a root (pnpm-style node_modules)', async () => {
    await symlink(path.join(root, 'real'), path.join(root, 'alias'));
    await expect(check(path.join(root, 'alias', 'deeper', 'x'))).resolves.toBeUndefined();
  });

  test('accepts a symlink into another declared root', async () => {
    await symlink(outside, path.join(root, 'out'));
    await expect(check(path.join(root, 'out', 'x'), [root, outside])).resolves.toBeUndefined();
  });

  test('refuses a dangling symlink on the way', async () => {
    await symlink(path.join(tmp, 'nowhere'), path.join(root, 'dangling'));
    await expect(check(path.join(root, 'dangling', 'x'))).rejects.toThrow(/dangling/);
  });

  test('trusts the root itself even when it is a symlink', async () => {
    const linkedRoot = path.join(tmp, 'ws', 'linked');
    await symlink(outside, linkedRoot);
    await expect(check(path.join(linkedRoot, 'x'), [linkedRoot])).resolves.toBeUndefined();
  });

  test('compares symlink targets with the canonical spelling of a root', async () => {
    // The declared root goes through a symlinked parent; the on-disk link points at the real path.
    const realParent = path.join(tmp, 'real-parent');
    await mkdir(path.join(realParent, 'cache', 'a'), { recursive: true });
    await symlink(realParent, path.join(tmp, 'alias-parent'));
    const declared = path.join(tmp, 'alias-parent', 'cache');
    await symlink(path.join(realParent, 'cache', 'a'), path.join(realParent, 'cache', 'b'));
    await expect(check(path.join(declared, 'b', 'x'), [declared])).resolves.toBeUndefined();
  });
});
