import path from 'node:path';

import { restoreRoots } from '../../../src/archive/restore-roots.js';
import { UnsafeArchiveError } from '../../../src/errors.js';

const ws = path.resolve('/work/ws');
const at = (...p: string[]) => path.join(ws, ...p);

describe('restoreRoots', () => {
  test('a glob pattern narrows to the roots it matched at save', () => {
    const roots = restoreRoots(['**/node_modules'], ws, ['a/node_modules', 'b/c/node_modules']);
    expect(roots.staging).toEqual([ws]);
    expect(roots.members).toEqual([at('a/node_modules'), at('b/c/node_modules')]);
  });

  test('literal paths and dir/** keep their base; nothing recorded keeps the literal prefix', () => {
    expect(restoreRoots(['deps', 'cache/**'], ws, ['deps', 'cache'])).toEqual({
      staging: [at('cache'), at('deps')],
      members: [at('cache'), at('deps')],
    });
    // An entry saved before roots were recorded restores as before.
    expect(restoreRoots(['**/node_modules'], ws, undefined).members).toEqual([ws]);
  });

  test('mixed lists: literal bases stay, glob matches are added', () => {
    const roots = restoreRoots(['deps', 'src/**/*.js'], ws, ['deps', 'src/a/x.js']);
    expect(roots.members).toEqual([at('deps'), at('src/a/x.js')]);
  });

  test('a recorded root no declared pattern matches is refused (a forged manifest)', () => {
    for (const forged of ['.git', '.git/hooks', '../outside', 'a/node_modules_x', 'src']) {
      expect(() => restoreRoots(['**/node_modules'], ws, ['a/node_modules', forged])).toThrow(
        UnsafeArchiveError,
      );
    }
  });

  test('a root below a match is allowed (it is inside what the pattern archives)', () => {
    expect(restoreRoots(['**/node_modules'], ws, ['a/node_modules/x']).members).toEqual([
      at('a/node_modules/x'),
    ]);
  });

  test('exclusions do not count as patterns that allow a root', () => {
    expect(() => restoreRoots(['**/node_modules', '!**/secret'], ws, ['x/secret'])).toThrow(
      UnsafeArchiveError,
    );
  });
});
