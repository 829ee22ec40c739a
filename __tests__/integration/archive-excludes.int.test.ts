import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';

import { resolveArchiveList } from '../../src/archive/paths.js';
import { TarArchiver } from '../../src/archive/tar-archiver.js';
import { quiet, scratchDir } from '../helpers/fixtures.js';

// `!` patterns at any depth, through the real tar: what the archive holds, member by member.
describe('excludes below included directories', () => {
  let ws: string;

  beforeEach(async () => {
    ws = await realpath(scratchDir('excludes-'));
    const files: Record<string, string> = {
      'victim/keep.txt': 'k',
      'victim/secret.txt': 's',
      'victim/app.log': 'l',
      'victim/sub/deep/trace.log': 'l',
      'victim/sub/deep/data.bin': 'd',
      'victim/node_modules/pkg/index.js': 'x',
      'victim/node_modules/pkg/keep.me': 'x',
      'other/a.log': 'kept: no exclusion reaches other/',
    };
    for (const [rel, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(ws, rel)), { recursive: true });
      await writeFile(path.join(ws, rel), content);
    }
    await mkdir(path.join(ws, 'victim', 'empty'));
    await mkdir(path.join(ws, 'elsewhere', 'inner'), { recursive: true });
    await writeFile(path.join(ws, 'elsewhere', 'inner', 'x.log'), 'behind a link');
    await symlink('../elsewhere', path.join(ws, 'victim', 'link'));
  });

  /** Member names of the archive tar makes from `patterns`, as `tar -t` lists them. */
  async function members(patterns: string[]): Promise<string[]> {
    const list = await resolveArchiveList(patterns, ws);
    const tmp = scratchDir('excludes-tmp-');
    const file = path.join(tmp, 'a.tar');
    await pipeline(
      new TarArchiver({ logger: quiet }).create({
        workspace: ws,
        files: list.recursive,
        exactFiles: list.exact,
        method: 'none',
        tempDir: tmp,
      }),
      createWriteStream(file),
    );
    return execFileSync('tar', ['-tPf', file], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((m) => m.replace(/\/$/, ''));
  }

  test('a file and a ** pattern leave out the secret and every log, and nothing else', async () => {
    const got = await members(['victim', '!victim/secret.txt', '!victim/**/*.log', 'other']);
    expect(got.sort()).toEqual(
      [
        'other',
        'other/a.log',
        'victim',
        'victim/empty',
        'victim/keep.txt',
        'victim/link',
        'victim/node_modules',
        'victim/node_modules/pkg',
        'victim/node_modules/pkg/index.js',
        'victim/node_modules/pkg/keep.me',
        'victim/sub',
        'victim/sub/deep',
        'victim/sub/deep/data.bin',
      ].sort(),
    );
  });

  test('an excluded directory goes with everything in it; a later pattern brings a file back', async () => {
    expect(await members(['victim', '!victim/node_modules'])).not.toContainEqual(
      expect.stringMatching(/node_modules/),
    );
    const back = await members([
      'victim',
      '!victim/node_modules',
      'victim/node_modules/pkg/keep.me',
    ]);
    expect(back.filter((m) => m.includes('node_modules'))).toEqual([
      'victim/node_modules/pkg/keep.me',
    ]);
  });

  test('a trailing slash excludes directories only; links are stored, never walked', async () => {
    const got = await members(['victim', '!victim/**/deep/', '!victim/*.txt/']);
    expect(got).toContain('victim/secret.txt');
    expect(got).not.toContainEqual(expect.stringMatching(/deep/));
    expect(got).toContain('victim/link');
    expect(got).not.toContainEqual(expect.stringMatching(/^victim\/link\//));
  });

  test('nested matches are archived once; directories no exclusion reaches stay whole', async () => {
    const list = await resolveArchiveList(['victim/**', 'other', '!victim/app.log'], ws);
    expect(list.recursive).toEqual(['other']);
    expect(new Set(list.exact).size).toBe(list.exact.length);
    expect(list.exact).not.toContain('victim/app.log');
    const got = await members(['victim', 'victim/sub', 'victim/keep.txt']);
    expect(got.length).toBe(new Set(got).size);
  });

  test('exclusions apply outside the workspace too', async () => {
    const outside = path.join(path.dirname(ws), `${path.basename(ws)}-out`);
    await mkdir(path.join(outside, 'd'), { recursive: true });
    await writeFile(path.join(outside, 'd', 'x.log'), 'x');
    await writeFile(path.join(outside, 'd', 'y.txt'), 'y');
    const rel = `../${path.basename(outside)}`;
    expect(await members([rel, `!${rel}/**/*.log`])).toEqual([rel, `${rel}/d`, `${rel}/d/y.txt`]);
  });

  test("a restore's leftover staging directory (a SIGKILLed restore) is never archived", async () => {
    await mkdir(path.join(ws, 'victim', '.bucket-cache-staging-abc123', 'deps'), {
      recursive: true,
    });
    await writeFile(path.join(ws, 'victim', '.bucket-cache-staging-abc123', 'deps', 'f'), 'x');
    for (const patterns of [['victim'], ['victim', '!victim/secret.txt']]) {
      const got = await members(patterns);
      expect(got).toContain('victim/keep.txt');
      expect(got.filter((m) => m.includes('.bucket-cache-staging-'))).toEqual([]);
    }
  });
});
