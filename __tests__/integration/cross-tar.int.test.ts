import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { TarArchiver } from '../../src/archive/tar-archiver.js';
import type { TarCommand } from '../../src/archive/tar-args.js';
import { restoreCache } from '../../src/cache/restore-cache.js';
import { saveCache } from '../../src/cache/save-cache.js';
import type { RunContext } from '../../src/context.js';
import { cacheSettings, quiet, transferSettings } from '../helpers/fixtures.js';
import { MemoryBackend } from '../helpers/memory-backend.js';
import { BSDTAR, describeWithTars, GNU_TAR } from '../helpers/tars.js';

// Whole saves and restores (saveCache → store → restoreCache) where one runner's tar saved the
// entry and another's restores it. Linux and macOS share the 'posix' version, so a GNU tar entry
// saved on Linux is found by a macOS runner with bsdtar, and the other way round, always. A
// Windows runner finds entries from the others, and they find its, only with
// enableCrossOsArchive: the version then leaves the platform out. The platform given to the
// version is the other runner's; the files land on this machine's filesystem either way.

interface Runner {
  platform: NodeJS.Platform;
  tar: TarCommand;
}

let root: string;
let ws: string;
let tempDir: string;
let backend: MemoryBackend;
const context = (): RunContext => ({
  ci: 'github',
  workspace: ws,
  owner: 'o',
  repo: 'r',
  ref: 'refs/heads/main',
});

beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(tmpdir(), 'cross-tar-')));
  ws = path.join(root, 'ws');
  tempDir = path.join(root, 'tmp');
  await mkdir(tempDir);
  await makeDeps();
  backend = new MemoryBackend();
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A nested file, a name longer than ustar holds (a pax path), and a relative symlink. */
async function makeDeps(): Promise<void> {
  await mkdir(path.join(ws, 'deps', 'sub'), { recursive: true });
  await writeFile(path.join(ws, 'deps', 'sub', 'a.txt'), 'alpha');
  await writeFile(path.join(ws, 'deps', 'long-' + 'n'.repeat(150)), 'long name');
  await symlink('sub/a.txt', path.join(ws, 'deps', 'link'));
}

async function save(runner: Runner, enableCrossOsArchive: boolean): Promise<void> {
  const result = await saveCache(
    { backend, archiver: new TarArchiver({ logger: quiet, tar: runner.tar }), logger: quiet },
    {
      cache: cacheSettings({ key: 'k', paths: ['deps'], enableCrossOsArchive }),
      transfer: transferSettings(),
      context: context(),
      method: 'zstd',
      tempDir,
      tool: 'test',
      platform: runner.platform,
    },
  );
  expect(result.status).toBe('saved');
  await rm(path.join(ws, 'deps'), { recursive: true });
}

async function restore(runner: Runner, enableCrossOsArchive: boolean): Promise<boolean> {
  // The archiver's platform decides the member checks (Windows names, case folding).
  const archiver = new TarArchiver({ logger: quiet, tar: runner.tar, platform: runner.platform });
  const result = await restoreCache(
    { backend, archiver, logger: quiet },
    {
      cache: cacheSettings({ key: 'k', paths: ['deps'], enableCrossOsArchive }),
      transfer: transferSettings(),
      context: context(),
      method: 'zstd',
      tempDir,
      platform: runner.platform,
    },
  );
  return result.restored;
}

async function expectRestored(): Promise<void> {
  expect(await readFile(path.join(ws, 'deps', 'link'), 'utf8')).toBe('alpha');
  expect(await readFile(path.join(ws, 'deps', 'long-' + 'n'.repeat(150)), 'utf8')).toBe(
    'long name',
  );
}

describeWithTars('between GNU tar and bsdtar', [GNU_TAR, BSDTAR], (gnu, bsd) => {
  const linux: Runner = { platform: 'linux', tar: gnu };
  const macos: Runner = { platform: 'darwin', tar: bsd };
  const windowsBsd: Runner = { platform: 'win32', tar: bsd };
  const windowsGnu: Runner = { platform: 'win32', tar: gnu };

  test.each([
    ['Linux (GNU tar)', 'macOS (bsdtar)', linux, macos],
    ['macOS (bsdtar)', 'Linux (GNU tar)', macos, linux],
  ] as const)('saved on %s, restored on %s: always found', async (_a, _b, from, to) => {
    await save(from, false);
    expect(await restore(to, false)).toBe(true);
    await expectRestored();
  });

  test.each([
    ['Linux (GNU tar)', 'Windows (bsdtar)', linux, windowsBsd],
    ['Windows (bsdtar)', 'Linux (GNU tar)', windowsBsd, linux],
    ['Windows (Git for Windows GNU tar)', 'macOS (bsdtar)', windowsGnu, macos],
  ] as const)(
    'saved on %s, restored on %s: found only with enableCrossOsArchive',
    async (_a, _b, from, to) => {
      await save(from, false);
      expect(await restore(to, false)).toBe(false);
      await rm(path.join(ws, 'deps'), { recursive: true, force: true });
      await makeDeps();
      await save(from, true);
      expect(await restore(to, true)).toBe(true);
      await expectRestored();
    },
  );

  test('a name Windows cannot create, saved on Linux, is refused on Windows and nothing is written', async () => {
    await writeFile(path.join(ws, 'deps', 'sub', 'aux.h'), '#pragma once');
    await save(linux, true);
    await mkdir(path.join(ws, 'deps'));
    await writeFile(path.join(ws, 'deps', 'mine.txt'), 'mine');
    await expect(restore(windowsBsd, true)).rejects.toThrow(
      /'deps\/sub\/aux.h': 'aux.h' is the reserved device name AUX, which Windows cannot create/,
    );
    expect(await readdir(path.join(ws, 'deps'))).toEqual(['mine.txt']);
    // No staging left behind (the save's file lists are the caller's to remove).
    expect((await readdir(tempDir)).filter((n) => !n.startsWith('manifest-'))).toEqual([]);
    // The same entry restores on macOS.
    expect(await restore({ ...macos }, true)).toBe(true);
    expect(await readFile(path.join(ws, 'deps', 'sub', 'aux.h'), 'utf8')).toBe('#pragma once');
  });
});
