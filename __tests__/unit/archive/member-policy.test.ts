import { isInside, MemberPolicy, type Placement } from '../../../src/archive/member-policy.js';
import type { ParsedMember } from '../../../src/archive/tar-parser.js';
import { UnsafeArchiveError } from '../../../src/errors.js';

const WS = '/home/x/work/repo';
const member = (name: string, type: ParsedMember['type'], linkName = ''): ParsedMember => ({
  name,
  type,
  linkName,
  size: type === 'file' ? 1 : 0,
  mode: 0o644,
  mtime: '0',
  offset: 0,
});
const f = (name: string) => member(name, 'file');
const d = (name: string) => member(name, 'dir');
const sym = (name: string, target: string) => member(name, 'symlink', target);
const hard = (name: string, target: string) => member(name, 'hardlink', target);

function place(members: ParsedMember[], roots: string[], foldCase = false): Placement[] {
  const policy = new MemberPolicy({ workspace: WS, allowedRoots: roots, foldCase });
  return members.map((m) => policy.check(m));
}

function refusal(members: ParsedMember[], roots: string[], foldCase = false): string {
  try {
    place(members, roots, foldCase);
  } catch (err) {
    expect(err).toBeInstanceOf(UnsafeArchiveError);
    return (err as Error).message;
  }
  throw new Error('expected the archive to be refused');
}

const nm = `${WS}/node_modules`;

describe('MemberPolicy', () => {
  test('places members below a declared root, including ./-prefixed and doubled slashes', () => {
    expect(
      place([d('node_modules'), d('./node_modules/a'), f('node_modules//b')], [nm]).map(
        (p) => p.path,
      ),
    ).toEqual([nm, `${nm}/a`, `${nm}/b`]);
  });

  test('refuses ../ escapes and members outside every root, naming the member', () => {
    expect(refusal([f('node_modules/ok'), f('../escape')], [nm])).toMatch(
      /member '..\/escape'.*outside the declared paths/,
    );
    expect(refusal([f('src/index.ts')], [nm])).toMatch(/'src\/index.ts'.*outside/);
  });

  test('refuses absolute and drive-letter names even when they point inside a root', () => {
    expect(refusal([f(`${nm}/x`)], [nm])).toMatch(/is absolute/);
    expect(refusal([f('C:/x')], [nm])).toMatch(/is absolute/);
    expect(refusal([f('\\\\server\\share')], [nm])).toMatch(/is absolute/);
  });

  test("refuses '..' after a directory name, with either slash", () => {
    expect(refusal([f('node_modules/a/../b')], [nm])).toMatch(/'\.\.' after a directory name/);
    expect(refusal([f('node_modules\\..\\..\\x')], [nm])).toMatch(/'\.\.' after a directory/);
  });

  test('places ../-relative members under a root outside the workspace (~/.npm)', () => {
    const npm = '/home/x/.npm';
    expect(place([f('../../.npm/_cacache/index')], [npm, nm])[0]!.path).toBe(
      `${npm}/_cacache/index`,
    );
    expect(refusal([f('../../.npmrc')], [npm])).toMatch(/outside/);
  });

  test('lets symlinks point anywhere (node_modules/.bin needs that)', () => {
    expect(() =>
      place(
        [sym('node_modules/.bin/tsc', '../typescript/bin/tsc'), sym('node_modules/e', '/etc')],
        [nm],
      ),
    ).not.toThrow();
  });

  test('refuses writing through a symlink an earlier member made, at any depth and spelling', () => {
    expect(refusal([sym('node_modules/a', '/etc'), f('node_modules/a/passwd')], [nm])).toMatch(
      /'node_modules\/a\/passwd'.*written through '.*node_modules\/a', a symlink/,
    );
    expect(
      refusal([sym('node_modules/a', 'b'), d('node_modules/a/x'), f('node_modules/a/x/y')], [nm]),
    ).toMatch(/'node_modules\/a\/x'/);
    expect(refusal([sym('./node_modules/a', '/etc'), f('node_modules//a/passwd')], [nm])).toMatch(
      /written through/,
    );
  });

  test('a path keeps one kind: no directory over a symlink, no symlink over a file', () => {
    expect(refusal([sym('node_modules/a', '/etc'), d('node_modules/a')], [nm])).toMatch(
      /replace a symlink the archive made earlier/,
    );
    expect(refusal([f('node_modules/a'), sym('node_modules/a', '/etc/passwd')], [nm])).toMatch(
      /replace a file/,
    );
    expect(refusal([d('node_modules/a'), f('node_modules/a')], [nm])).toMatch(
      /replace a directory/,
    );
    // The same kind twice is what tar makes of overlapping paths: allowed.
    expect(() => place([f('node_modules/a'), f('node_modules/a')], [nm])).not.toThrow();
  });

  test('folds case when asked to, as on macOS and Windows', () => {
    const members = [sym('node_modules/Evil', '/etc'), f('node_modules/evil/passwd')];
    expect(() => place(members, [nm])).not.toThrow();
    expect(refusal(members, [nm], true)).toMatch(/written through/);
  });

  test('never lets a symlink replace a declared path', () => {
    expect(refusal([sym('node_modules', '/etc')], [nm])).toMatch(
      /replace the declared path .*node_modules with a symlink/,
    );
  });

  test('hard links must point at an earlier regular file inside the roots', () => {
    expect(place([f('node_modules/a'), hard('node_modules/b', 'node_modules/a')], [nm])[1]).toEqual(
      { path: `${nm}/b`, linkPath: `${nm}/a` },
    );
    expect(refusal([hard('node_modules/b', 'node_modules/a')], [nm])).toMatch(
      /not an earlier regular file/,
    );
    expect(refusal([hard('node_modules/b', '/etc/passwd')], [nm])).toMatch(/is absolute/);
    expect(refusal([hard('node_modules/b', '../../x')], [nm])).toMatch(/outside/);
    expect(
      refusal(
        [sym('node_modules/s', '/etc/passwd'), hard('node_modules/b', 'node_modules/s')],
        [nm],
      ),
    ).toMatch(/not an earlier regular file/);
    expect(
      refusal(
        [d('node_modules/d'), f('node_modules/d/f'), sym('node_modules/l', 'd')].concat(
          hard('node_modules/b', 'node_modules/l/f'),
        ),
        [nm],
      ),
    ).toMatch(/written through/);
  });

  test('refuses empty names; a member may be the root itself', () => {
    expect(refusal([f('')], [nm])).toMatch(/empty member name/);
    expect(place([f('cache.bin')], [`${WS}/cache.bin`])[0]!.path).toBe(`${WS}/cache.bin`);
    expect(place([d('.')], [WS])[0]!.path).toBe(WS);
  });
});

test('isInside', () => {
  expect(isInside('/a/b', '/a/b')).toBe(true);
  expect(isInside('/a/b', '/a/b/c')).toBe(true);
  expect(isInside('/a/b', '/a/bc')).toBe(false);
  expect(isInside('/a/b', '/a')).toBe(false);
});

describe('MemberPolicy with many roots (the matched roots of a glob)', () => {
  const roots = Array.from({ length: 40 }, (_, i) => `${WS}/pkg${i}/node_modules`);

  test('members below any matched root pass; parents and siblings of them do not', () => {
    expect(place([f('pkg7/node_modules/a.js'), f('pkg39/node_modules/x/y.js')], roots)).toEqual([
      { path: `${WS}/pkg7/node_modules/a.js` },
      { path: `${WS}/pkg39/node_modules/x/y.js` },
    ]);
    expect(refusal([f('pkg7/index.js')], roots)).toMatch(/outside the declared paths/);
    expect(refusal([f('.git/hooks/pre-commit')], roots)).toMatch(/outside the declared paths/);
    expect(refusal([f('pkg7/node_modules_x/a.js')], roots)).toMatch(/outside/);
    expect(refusal([f('pkg40/node_modules/a.js')], roots)).toMatch(/outside/);
  });

  test('hard link targets are held to the same roots', () => {
    expect(refusal([f('pkg1/node_modules/a'), hard('pkg2/node_modules/b', 'x')], roots)).toMatch(
      /outside the declared paths/,
    );
  });
});
