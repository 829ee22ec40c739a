import {
  detectTar,
  isToleratedTarWarning,
  TarArchiver,
} from '../../../src/archive/tar-archiver.js';
import type { TarCommand } from '../../../src/archive/tar-args.js';
import { quiet } from '../../helpers/fixtures.js';

/** Never run: the checks under test come before tar starts. */
const GNU_COMMAND: TarCommand = { path: 'tar-that-must-not-run', flavor: 'gnu' };

describe('isToleratedTarWarning', () => {
  test.each([
    'tar: node_modules/.cache: file changed as we read it',
    '/usr/bin/tar: ../../.gradle/daemon/8.5/daemon-1.out.log: file changed as we read it',
    'tar: dir/f1990: File removed before we read it',
  ])('tolerates %s', (line) => {
    expect(isToleratedTarWarning(line)).toBe(true);
  });

  test.each([
    'tar: gone: Cannot stat: No such file or directory',
    'tar: Exiting with failure status due to previous errors',
    'tar: big.bin: File shrank by 100 bytes; padding with zeros',
    'tar: secret: Cannot open: Permission denied',
    'tar: x: Datei hat sich beim Lesen geändert',
  ])('does not tolerate %s', (line) => {
    expect(isToleratedTarWarning(line)).toBe(false);
  });
});

describe('detectTar', () => {
  const GNU = 'tar (GNU tar) 1.35';
  const BSD = 'bsdtar 3.7.2 - libarchive 3.7.2 zlib/1.2.13.1-motley';
  const env = { ProgramFiles: 'C:\\Program Files', SystemDrive: 'C:' };
  const gitTar = 'C:\\Program Files\\Git\\usr\\bin\\tar.exe';
  const systemTar = 'C:\\Windows\\System32\\tar.exe';
  /** A PATH where only the programs in `present` run, with their banners. */
  const runner = (present: Record<string, string>) => async (p: string) => present[p];

  test("Windows: Git for Windows' GNU tar when it is installed", async () => {
    const run = runner({ [gitTar]: GNU, tar: BSD, [systemTar]: BSD });
    expect(await detectTar('win32', env, run)).toEqual({ path: gitTar, flavor: 'gnu' });
  });

  test('Windows without Git: a GNU tar on PATH, else the system bsdtar', async () => {
    expect(await detectTar('win32', env, runner({ tar: GNU, [systemTar]: BSD }))).toEqual({
      path: 'tar',
      flavor: 'gnu',
    });
    expect(await detectTar('win32', env, runner({ tar: BSD, [systemTar]: BSD }))).toEqual({
      path: systemTar,
      flavor: 'bsd',
    });
  });

  test('Windows with only a bsdtar on PATH still uses it', async () => {
    expect(await detectTar('win32', env, runner({ tar: BSD }))).toEqual({
      path: 'tar',
      flavor: 'bsd',
    });
  });

  test('macOS: gtar when Homebrew installed it, else the system bsdtar', async () => {
    expect(await detectTar('darwin', {}, runner({ gtar: GNU, tar: BSD }))).toEqual({
      path: 'gtar',
      flavor: 'gnu',
    });
    expect(await detectTar('darwin', {}, runner({ tar: BSD }))).toEqual({
      path: 'tar',
      flavor: 'bsd',
    });
  });

  test('no tar at all is a clear error naming what was tried', async () => {
    await expect(detectTar('win32', env, runner({}))).rejects.toThrow(
      /no working tar found \(tried .*Git.*tar\.exe, tar, C:\\Windows\\System32\\tar\.exe\)/,
    );
  });
});

describe('TarArchiver.create on Windows', () => {
  test('a path on another drive than the workspace is refused before tar runs, saying so', async () => {
    const archiver = new TarArchiver({ logger: quiet, platform: 'win32', tar: GNU_COMMAND });
    const stream = archiver.create({
      workspace: 'D:\\a\\repo',
      files: ['node_modules', 'C:/Users/runneradmin/.cargo'],
      method: 'none',
      tempDir: 'D:\\t',
    });
    await expect(stream.toArray()).rejects.toThrow(
      "archive paths must be relative to the workspace, got 'C:/Users/runneradmin/.cargo': paths on another drive than the workspace are not supported",
    );
  });
});
