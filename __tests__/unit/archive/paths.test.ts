import { homedir } from 'node:os';

import { declaredRoots } from '../../../src/archive/paths.js';

const WS = '/home/runner/work/repo/repo';

describe('declaredRoots', () => {
  test('literal paths resolve against the workspace, not the process cwd', () => {
    expect(declaredRoots(['node_modules', 'packages/a/dist/'], WS)).toEqual([
      `${WS}/node_modules`,
      `${WS}/packages/a/dist`,
    ]);
  });

  test('stops at the first segment with a glob character', () => {
    expect(
      declaredRoots(['packages/*/node_modules', 'a/b?/c', 'x/[ab]/y', 'y/{a,b}', '**/target'], WS),
    ).toEqual([WS, `${WS}/a`, `${WS}/packages`, `${WS}/x`, `${WS}/y`].sort());
  });

  test('expands ~ and keeps absolute paths', () => {
    expect(declaredRoots(['~/.npm', '~/.cache/pip/**', '/opt/tool/cache', '~'], WS)).toEqual(
      [`${homedir()}/.npm`, `${homedir()}/.cache/pip`, '/opt/tool/cache', homedir()].sort(),
    );
  });

  test('skips negations (even after leading blanks), blank lines and comments; !! is not a negation', () => {
    expect(
      declaredRoots(['dist', '  !dist/*.map', '', '# comment', '!!again', 'multi\nline'], WS),
    ).toEqual([`${WS}/again`, `${WS}/dist`, `${WS}/line`, `${WS}/multi`]);
  });

  test('folds . and .. (a leading .. run leaves the workspace)', () => {
    expect(declaredRoots(['./a/./b', 'a/c/../d', '../shared/cache', '.'], WS)).toEqual(
      [WS, `${WS}/a/b`, `${WS}/a/d`, '/home/runner/work/repo/shared/cache'].sort(),
    );
  });

  test('deduplicates', () => {
    expect(declaredRoots(['a', './a', 'a/', 'a/*'], WS)).toEqual([`${WS}/a`]);
  });
});
