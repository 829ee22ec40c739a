import { MemberPolicy } from '../../../src/archive/member-policy.js';
import { declaredRoots, pathRules, toRelative } from '../../../src/archive/paths.js';
import type { ParsedMember } from '../../../src/archive/tar-parser.js';
import { windowsNameProblem } from '../../../src/archive/windows-names.js';
import { UnsafeArchiveError } from '../../../src/errors.js';

// Windows path handling, run on any host through path.win32 and an injected platform.

const WS = 'D:\\a\\repo\\repo';
const win = pathRules('win32', { USERPROFILE: 'C:\\Users\\runneradmin' });
const roots = (...patterns: string[]) => declaredRoots(patterns, WS, win);

describe('declared paths on Windows', () => {
  test('drive letters, either slash, and relative paths against the workspace', () => {
    expect(roots('node_modules', 'D:/a/repo/repo/.venv', 'C:\\tools\\cache')).toEqual([
      'C:\\tools\\cache',
      'D:\\a\\repo\\repo\\.venv',
      'D:\\a\\repo\\repo\\node_modules',
    ]);
    expect(roots('..\\shared\\deps', '../other/./x/../y')).toEqual([
      'D:\\a\\repo\\other\\y',
      'D:\\a\\repo\\shared\\deps',
    ]);
  });

  test('a backslash is a separator, not a glob escape; the literal part ends at the first glob', () => {
    expect(roots('build\\**\\*.dll', 'D:\\a\\repo\\repo\\obj\\Debug*')).toEqual([
      'D:\\a\\repo\\repo\\build',
      'D:\\a\\repo\\repo\\obj',
    ]);
  });

  test('UNC paths keep their \\\\server\\share root', () => {
    expect(roots('\\\\fileserver\\builds\\cache', '//fileserver/builds/other/**')).toEqual([
      '\\\\fileserver\\builds\\cache',
      '\\\\fileserver\\builds\\other',
    ]);
  });

  test('~ is the user profile, with either slash; ~user is an ordinary name', () => {
    expect(roots('~', '~/.nuget/packages', '~\\AppData\\Local\\pip\\Cache', '~x')).toEqual([
      'C:\\Users\\runneradmin',
      'C:\\Users\\runneradmin\\.nuget\\packages',
      'C:\\Users\\runneradmin\\AppData\\Local\\pip\\Cache',
      'D:\\a\\repo\\repo\\~x',
    ]);
    const noProfile = pathRules('win32', { HOME: '/home/u', USERPROFILE: 'E:\\Profiles\\u' });
    expect(declaredRoots(['~/.cargo'], WS, noProfile)).toEqual(['E:\\Profiles\\u\\.cargo']);
  });

  test('long paths: beyond MAX_PATH and with the \\\\?\\ prefix, nothing is cut or rewritten', () => {
    const deep = Array.from({ length: 30 }, (_, i) => `segment-${i}`).join('\\');
    const [long] = roots(`node_modules\\${deep}`);
    expect(long).toBe(`${WS}\\node_modules\\${deep}`);
    expect(long!.length).toBeGreaterThan(260);
    expect(roots(`\\\\?\\C:\\cache\\${deep}`)).toEqual([`\\\\?\\C:\\cache\\${deep}`]);
  });

  test("member names are workspace-relative with '/', ../ outside it", () => {
    expect(toRelative(WS, 'D:\\a\\repo\\repo\\node_modules\\x', win)).toBe('node_modules/x');
    expect(toRelative(WS, 'D:\\a\\cache', win)).toBe('../../cache');
    expect(toRelative(WS, WS, win)).toBe('.');
    // Another drive has no relative form: the name stays absolute, which save refuses.
    expect(toRelative(WS, 'C:\\Users\\runneradmin\\.cargo', win)).toBe(
      'C:/Users/runneradmin/.cargo',
    );
  });
});

describe('member names Windows cannot create', () => {
  test.each([
    ['deps/a:b', "'a:b' holds ':'"],
    ['deps/x?.txt', "'x?.txt' holds '?'"],
    ['deps/"q"', `'"q"' holds '"'`],
    ['deps/a|b', "'a|b' holds '|'"],
    ['deps/tab\there', "'tab\there' holds control character 0x9"],
    ['deps/CON', "'CON' is the reserved device name CON"],
    ['deps/nul.txt', "'nul.txt' is the reserved device name NUL"],
    ['deps/Aux.tar.gz', "'Aux.tar.gz' is the reserved device name AUX"],
    ['deps/com1/x', "'com1' is the reserved device name COM1"],
    ['deps/LPT9.log', "'LPT9.log' is the reserved device name LPT9"],
    ['deps/COM\u00b9', "'COM\u00b9' is the reserved device name COM\u00b9"],
    ['deps/PRN /x', "'PRN ' is the reserved device name PRN"],
    ['deps/trailing.', "'trailing.' ends in a dot"],
    ['deps/dir./x', "'dir.' ends in a dot"],
    ['deps/space ', "'space ' ends in a space"],
  ])('%s: %s', (name, problem) => {
    expect(windowsNameProblem(name)).toBe(problem);
  });

  test.each([
    'deps/console.log',
    'deps/CONFIG',
    'deps/com10',
    'deps/nul-device',
    'deps/.hidden',
    '../outside/x',
    './deps/x',
    'deps/ünï cödé',
    'deps/a.b.c',
  ])('%s is fine', (name) => {
    expect(windowsNameProblem(name)).toBeUndefined();
  });
});

describe('MemberPolicy on win32', () => {
  const member = (name: string): ParsedMember => ({
    name,
    type: 'file',
    linkName: '',
    size: 1,
    mode: 0o644,
    mtime: '0',
    offset: 0,
  });
  const policy = (platform: NodeJS.Platform) =>
    new MemberPolicy({ workspace: '/w', allowedRoots: ['/w/deps'], platform });

  test('refuses a name Windows cannot create, saying why and where it came from', () => {
    const p = policy('win32');
    expect(p.check(member('deps/ok.txt'))).toEqual({ path: '/w/deps/ok.txt' });
    let err: unknown;
    try {
      p.check(member('deps/include/aux.h'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnsafeArchiveError);
    expect((err as Error).message).toBe(
      "refusing to extract archive member 'deps/include/aux.h': 'aux.h' is the reserved device " +
        'name AUX, which Windows cannot create; this entry was saved on another OS ' +
        '(enableCrossOsArchive) and is not restored here',
    );
  });

  test('the same names are fine on Linux and macOS', () => {
    for (const platform of ['linux', 'darwin'] as const) {
      const p = policy(platform);
      for (const name of ['deps/a:b', 'deps/CON', 'deps/trailing.']) {
        expect(p.check(member(name)).path).toBe(`/w/${name}`);
      }
    }
  });
});
