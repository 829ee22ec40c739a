import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import {
  chmod,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rm,
  symlink,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';

import type { CompressionMethod, ExtractOptions } from '../../src/archive/archiver.js';
import { resolveCompression } from '../../src/archive/compression.js';
import { declaredRoots, resolvePaths } from '../../src/archive/paths.js';
import { STAGING_PREFIX } from '../../src/archive/staging.js';
import { TarArchiver } from '../../src/archive/tar-archiver.js';
import { type ParsedMember, TarParser } from '../../src/archive/tar-parser.js';
import { UnsafeArchiveError } from '../../src/errors.js';
import { quiet } from '../helpers/fixtures.js';
import { snapshot } from '../helpers/restore-harness.js';
import * as tw from '../helpers/tar-writer.js';
import { BSDTAR, describeWithTars, GNU_TAR } from '../helpers/tars.js';

const which = (program: string): string =>
  execFileSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).trim();

let root: string;
let ws: string;
let home: string;
let outside: string;
let tmp: string;
/** The run's scratch directory (staging): outside `root`, so snapshots of root see only real writes. */
let scratch: string;
const saved = { HOME: process.env.HOME, PATH: process.env.PATH };

beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(tmpdir(), 'archive-int-')));
  ws = path.join(root, 'ws');
  home = path.join(root, 'home');
  outside = path.join(root, 'outside');
  tmp = path.join(root, 'tmp');
  for (const d of [ws, home, outside, tmp]) await mkdir(d);
  scratch = await mkdtemp(path.join(tmpdir(), 'archive-scratch-'));
  await writeFile(path.join(outside, 'secret'), 'untouched');
  process.env.HOME = home;
});

afterEach(async () => {
  process.env.HOME = saved.HOME;
  process.env.PATH = saved.PATH;
  await rm(root, { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
});

/** Restores `archive` as restoreCache does: streamed into an extraction, then committed. */
async function receiveAndExtract(
  archive: string,
  opts: ExtractOptions,
  archiver = new TarArchiver({ logger: quiet }),
): Promise<void> {
  const extraction = archiver.extract({ scratchDir: scratch, ...opts });
  try {
    const [delivered, staged] = await Promise.allSettled([
      pipeline(createReadStream(archive), extraction.input),
      extraction.staged,
    ]);
    if (staged.status === 'rejected') throw staged.reason;
    if (delivered.status === 'rejected') throw delivered.reason;
    await extraction.commit();
  } finally {
    await extraction.discard();
  }
}

/** The members of a plain tar file, as the gate's parser reads them. */
async function listMembers(archive: string): Promise<ParsedMember[]> {
  const members: ParsedMember[] = [];
  const parser = new TarParser({
    member: (m) => members.push(m),
    data: () => undefined,
    memberEnd: () => undefined,
  });
  for await (const chunk of createReadStream(archive)) parser.push(chunk as Buffer);
  parser.end();
  return members;
}

async function createArchive(
  files: string[],
  method: CompressionMethod,
  archiver = new TarArchiver({ logger: quiet }),
): Promise<string> {
  const dest = path.join(tmp, `cache-${Math.random().toString(36).slice(2)}.${method}`);
  await pipeline(
    archiver.create({ workspace: ws, files, method, tempDir: tmp }),
    createWriteStream(dest),
  );
  return dest;
}

const OLD = new Date('2001-02-03T04:05:06.789Z');

/** nested dirs, an empty dir, symlinks (relative and to outside), modes, odd names, and ~. */
async function makeFixture(): Promise<void> {
  await mkdir(path.join(ws, 'a', 'b'), { recursive: true });
  await writeFile(path.join(ws, 'a', 'b', 'c.txt'), 'nested');
  await mkdir(path.join(ws, 'a', 'empty'));
  await symlink('b/c.txt', path.join(ws, 'a', 'link'));
  await symlink(path.join(outside, 'secret'), path.join(ws, 'a', 'abs-link'));
  await mkdir(path.join(ws, 'bin'));
  await writeFile(path.join(ws, 'bin', 'tool'), '#!/bin/sh\necho hi\n');
  await chmod(path.join(ws, 'bin', 'tool'), 0o755);
  // A hard link: tar stores the second name as a link to the first.
  await link(path.join(ws, 'bin', 'tool'), path.join(ws, 'bin', 'tool-again'));
  await writeFile(path.join(ws, 'bin', 'private'), 'p');
  await chmod(path.join(ws, 'bin', 'private'), 0o600);
  await mkdir(path.join(ws, 'weird'));
  for (const name of ['new\nline', '-C', 'back\\slash', ' spaced ', 'ünï']) {
    await writeFile(path.join(ws, 'weird', name), name);
  }
  await mkdir(path.join(home, '.tool', 'deep'), { recursive: true });
  await writeFile(path.join(home, '.tool', 'deep', 'cache.bin'), Buffer.alloc(200_000, 7));
  for (const p of ['a/b/c.txt', 'bin/tool', 'a/empty', 'a/b', 'a']) {
    await utimes(path.join(ws, p), OLD, OLD);
  }
  await utimes(path.join(home, '.tool', 'deep', 'cache.bin'), OLD, OLD);
}

const PATTERNS = ['a', 'bin', 'weird', '~/.tool'];
const cachedDirs = () => [
  path.join(ws, 'a'),
  path.join(ws, 'bin'),
  path.join(ws, 'weird'),
  path.join(home, '.tool'),
];

describe('TarArchiver round trip', () => {
  // Every tar that saves, with every tar that restores: GNU tar on Linux, bsdtar on macOS and
  // Windows (and GNU tar there too when gtar or Git for Windows' tar is present).
  const pairs = [
    [GNU_TAR, GNU_TAR],
    [BSDTAR, BSDTAR],
    [GNU_TAR, BSDTAR],
    [BSDTAR, GNU_TAR],
  ] as const;
  for (const [saver, restorer] of pairs) {
    describeWithTars(
      `saved by ${saver.label}, restored by ${restorer.label}`,
      [saver, restorer],
      (saveTar, restoreTar) => {
        test.each(['zstd', 'gzip', 'none'] as const)(
          '%s: contents, symlinks, empty dirs, modes, mtimes and ~ paths come back',
          async (method) => {
            await makeFixture();
            const files = await resolvePaths(PATTERNS, ws);
            expect(files).toEqual(['../home/.tool', 'a', 'bin', 'weird']);
            const before = await Promise.all(cachedDirs().map(snapshot));

            const archive = await createArchive(
              files,
              method,
              new TarArchiver({ logger: quiet, tar: saveTar }),
            );
            for (const d of cachedDirs()) await rm(d, { recursive: true });

            await receiveAndExtract(
              archive,
              { workspace: ws, method, allowedRoots: declaredRoots(PATTERNS, ws) },
              new TarArchiver({ logger: quiet, tar: restoreTar }),
            );
            expect(await Promise.all(cachedDirs().map(snapshot))).toEqual(before);
            expect((await lstat(path.join(ws, 'a', 'link'))).isSymbolicLink()).toBe(true);
            expect((await lstat(path.join(ws, 'bin', 'tool'))).mode & 0o777).toBe(0o755);
            expect((await lstat(path.join(ws, 'bin', 'tool-again'))).ino).toBe(
              (await lstat(path.join(ws, 'bin', 'tool'))).ino,
            );
            expect((await lstat(path.join(ws, 'a', 'b', 'c.txt'))).mtime).toEqual(OLD);
            expect(await readFile(path.join(outside, 'secret'), 'utf8')).toBe('untouched');
          },
        );

        test('extracts over an existing tree, replacing files', async () => {
          await makeFixture();
          const archive = await createArchive(
            ['a'],
            'zstd',
            new TarArchiver({ logger: quiet, tar: saveTar }),
          );
          await writeFile(path.join(ws, 'a', 'b', 'c.txt'), 'changed since');
          await receiveAndExtract(
            archive,
            { workspace: ws, method: 'zstd', allowedRoots: [path.join(ws, 'a')] },
            new TarArchiver({ logger: quiet, tar: restoreTar }),
          );
          expect(await readFile(path.join(ws, 'a', 'b', 'c.txt'), 'utf8')).toBe('nested');
        });
      },
    );
  }

  test('stores members as actions/cache does: workspace-relative, ../ outside it, links as links', async () => {
    await makeFixture();
    const archive = await createArchive(await resolvePaths(PATTERNS, ws), 'none');
    const entries = await listMembers(archive);
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(byName.get('../home/.tool/deep/cache.bin')).toMatchObject({
      type: 'file',
      size: 200_000,
    });
    expect(byName.get('a/link')).toMatchObject({ type: 'symlink', linkName: 'b/c.txt' });
    expect(byName.get('a/empty')).toMatchObject({ type: 'dir' });
    expect(byName.get('weird/new\nline')).toMatchObject({ type: 'file' });
  });

  test('an empty file list makes an empty, extractable archive', async () => {
    const archive = await createArchive([], 'zstd');
    await receiveAndExtract(archive, { workspace: ws, method: 'zstd', allowedRoots: [ws] });
    expect(await readdir(ws)).toEqual([]);
  });
});

describe('nothing reaches the declared paths before commit', () => {
  const opts = (): ExtractOptions => ({
    workspace: ws,
    method: 'zstd',
    allowedRoots: [path.join(ws, 'a')],
  });

  test('a fresh path is staged beside it and appears only on commit, in one rename', async () => {
    await makeFixture();
    const archive = await createArchive(['a'], 'zstd');
    await rm(path.join(ws, 'a'), { recursive: true });
    const staging = async () => (await readdir(ws)).filter((n) => n.startsWith(STAGING_PREFIX));
    const extraction = new TarArchiver({ logger: quiet }).extract(opts());
    await pipeline(createReadStream(archive), extraction.input);
    await extraction.staged;
    // Staged, not committed: the declared path does not exist yet.
    await expect(lstat(path.join(ws, 'a'))).rejects.toThrow(/ENOENT/);
    expect(await staging()).toHaveLength(1);
    await extraction.commit();
    await extraction.discard();
    expect(await readFile(path.join(ws, 'a', 'b', 'c.txt'), 'utf8')).toBe('nested');
    expect(await staging()).toEqual([]);
  });

  test('discarding a staged restore leaves every path exactly as it was', async () => {
    await makeFixture();
    const archive = await createArchive(['a'], 'zstd');
    await writeFile(path.join(ws, 'a', 'b', 'c.txt'), 'changed since');
    const before = await snapshot(root);
    const mtimeBefore = (await lstat(path.join(ws, 'a'))).mtimeMs;
    // No scratch directory: staging goes inside the existing path, the fallback layout.
    const extraction = new TarArchiver({ logger: quiet }).extract(opts());
    await pipeline(createReadStream(archive), extraction.input);
    await extraction.staged;
    expect((await readdir(path.join(ws, 'a'))).some((n) => n.startsWith(STAGING_PREFIX))).toBe(
      true,
    );
    await extraction.discard();
    await expect(extraction.commit()).rejects.toThrow();
    // Node sets times in floating-point seconds: equal to well under a microsecond.
    const mtimeAfter = (await lstat(path.join(ws, 'a'))).mtimeMs;
    expect(Math.abs(mtimeAfter - mtimeBefore)).toBeLessThan(0.001);
    const { 'ws/a': dirBefore, ...restBefore } = before;
    const { 'ws/a': dirAfter, ...restAfter } = await snapshot(root);
    expect(restAfter).toEqual(restBefore);
    expect(dirAfter?.split(' ')[1]).toBe(dirBefore?.split(' ')[1]);
  });

  test('read-only directories (Go module cache) are restored read-only and can be replaced', async () => {
    await mkdir(path.join(ws, 'a', 'mod@v1'), { recursive: true });
    await writeFile(path.join(ws, 'a', 'mod@v1', 'go.mod'), 'module x');
    await chmod(path.join(ws, 'a', 'mod@v1', 'go.mod'), 0o444);
    await chmod(path.join(ws, 'a', 'mod@v1'), 0o555);
    const archive = await createArchive(['a'], 'zstd');
    // Over the existing read-only tree (a merge), then into a fresh path (a rename).
    await receiveAndExtract(archive, opts());
    expect((await lstat(path.join(ws, 'a', 'mod@v1'))).mode & 0o777).toBe(0o555);
    await chmod(path.join(ws, 'a', 'mod@v1'), 0o755);
    await rm(path.join(ws, 'a'), { recursive: true });
    await receiveAndExtract(archive, opts());
    expect((await lstat(path.join(ws, 'a', 'mod@v1'))).mode & 0o777).toBe(0o555);
    expect(await readFile(path.join(ws, 'a', 'mod@v1', 'go.mod'), 'utf8')).toBe('module x');
    await chmod(path.join(ws, 'a', 'mod@v1'), 0o755);
  });
});

describe('TarArchiver create errors', () => {
  const drain = async (method: CompressionMethod, files: string[]) =>
    pipeline(
      new TarArchiver({ logger: quiet }).create({ workspace: ws, files, method, tempDir: tmp }),
      createWriteStream(path.join(tmp, 'out')),
    );

  test('a listed path that vanished fails the stream with tar’s stderr', async () => {
    await writeFile(path.join(ws, 'here'), 'x');
    await expect(drain('zstd', ['here', 'gone'])).rejects.toThrow(
      /tar exited with code 2: .*gone: Cannot stat: No such file or directory/s,
    );
  });

  test('a consumer that gives up stops tar', async () => {
    // 20 GB of (sparse) zeros: tar would still be busy long after the test if left running.
    await writeFile(path.join(ws, 'huge'), '');
    await truncate(path.join(ws, 'huge'), 20 * 1024 ** 3);
    const stream = new TarArchiver({ logger: quiet }).create({
      workspace: ws,
      files: ['huge'],
      method: 'gzip',
      tempDir: tmp,
    });
    await new Promise<void>((resolve) => stream.once('data', () => resolve()));
    stream.destroy();
    const running = () =>
      execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.includes(tmp));
    for (let i = 0; i < 50 && running().length > 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(running()).toEqual([]);
  });

  test('absolute paths are refused before tar runs', async () => {
    await expect(drain('none', ['/etc/passwd'])).rejects.toThrow(/relative to the workspace/);
  });

  describe('with a tar that exits 1 after warnings', () => {
    beforeEach(async () => {
      const bin = path.join(root, 'fakebin');
      await mkdir(bin);
      // When creating, runs the real tar, then reports $FAKE_TAR_STDERR and exits $FAKE_TAR_RC.
      const real = which('tar');
      await writeFile(
        path.join(bin, 'tar'),
        `#!/bin/sh\ncase " $* " in *" -c "*) ;; *) exec ${real} "$@" ;; esac\n` +
          `${real} "$@" || exit $?\nprintf '%s\\n' "$FAKE_TAR_STDERR" >&2\nexit "$FAKE_TAR_RC"\n`,
      );
      await chmod(path.join(bin, 'tar'), 0o755);
      process.env.PATH = `${bin}:${saved.PATH}`;
      process.env.FAKE_TAR_RC = '1';
      await mkdir(path.join(ws, 'logs'));
      await writeFile(path.join(ws, 'logs', 'daemon.log'), 'line\n');
    });
    afterEach(() => {
      delete process.env.FAKE_TAR_STDERR;
      delete process.env.FAKE_TAR_RC;
    });

    test('"file changed as we read it" alone is tolerated and the archive is usable', async () => {
      process.env.FAKE_TAR_STDERR =
        'tar: logs/daemon.log: file changed as we read it\ntar: logs: file changed as we read it';
      const archive = await createArchive(['logs'], 'zstd');
      await rm(path.join(ws, 'logs'), { recursive: true });
      await receiveAndExtract(archive, {
        workspace: ws,
        method: 'zstd',
        allowedRoots: [path.join(ws, 'logs')],
      });
      expect(await readFile(path.join(ws, 'logs', 'daemon.log'), 'utf8')).toBe('line\n');
    });

    test('any other warning with exit 1 fails the stream', async () => {
      process.env.FAKE_TAR_STDERR =
        'tar: logs/daemon.log: file changed as we read it\ntar: logs/big: File shrank by 10 bytes; padding with zeros';
      await expect(drain('zstd', ['logs'])).rejects.toThrow(
        /tar exited with code 1: .*File shrank/s,
      );
    });
  });
});

describe('resolvePaths', () => {
  beforeEach(async () => {
    await mkdir(path.join(ws, 'logs', 'sub'), { recursive: true });
    for (const f of ['a.log', 'b.log', 'keep.txt', 'sub/x.log']) {
      await writeFile(path.join(ws, 'logs', f), f);
    }
    for (const d of ['pip', 'npm', 'skip'])
      await mkdir(path.join(home, '.cache', d), { recursive: true });
  });

  test('! exclusions remove matches, in the workspace and under ~', async () => {
    expect(await resolvePaths(['logs/*', '!logs/*.log'], ws)).toEqual([
      'logs/keep.txt',
      'logs/sub',
    ]);
    expect(await resolvePaths(['~/.cache/*', '!~/.cache/skip'], ws)).toEqual([
      '../home/.cache/npm',
      '../home/.cache/pip',
    ]);
  });

  test('resolves against the given workspace, not process.cwd()', async () => {
    expect(process.cwd()).not.toBe(ws);
    expect(await resolvePaths(['logs/keep.txt', 'nope'], ws)).toEqual(['logs/keep.txt']);
  });

  test('deduplicates and sorts; . is the workspace itself', async () => {
    expect(await resolvePaths(['logs/sub', 'logs/*.log', './logs/a.log', 'logs/sub/'], ws)).toEqual(
      ['logs/a.log', 'logs/b.log', 'logs/sub'],
    );
    expect(await resolvePaths(['.'], ws)).toEqual(['.']);
  });

  test('matches nothing for missing paths or only exclusions', async () => {
    expect(await resolvePaths(['missing/*', 'nope'], ws)).toEqual([]);
    expect(await resolvePaths(['!logs'], ws)).toEqual([]);
  });

  test('a workspace path with glob characters is taken literally', async () => {
    const odd = path.join(root, 'we[ir]d*');
    await mkdir(path.join(odd, 'x'), { recursive: true });
    await mkdir(path.join(root, 'weid', 'x'), { recursive: true });
    expect(await resolvePaths(['x', '*'], odd)).toEqual(['x']);
  });

  test('nothing below a listed directory is listed: tar recurses into it', async () => {
    // `dir/**` used to list the directory and everything in it, so tar walked the tree once per
    // level and stored each file again as a hard link to itself.
    expect(await resolvePaths(['logs/**'], ws)).toEqual(['logs']);
    expect(await resolvePaths(['logs', 'logs/sub/x.log', 'logs/*.log'], ws)).toEqual(['logs']);
    expect(await resolvePaths(['logs/*/**', 'logs/keep.txt'], ws)).toEqual([
      'logs/a.log',
      'logs/b.log',
      'logs/keep.txt',
      'logs/sub',
    ]);
    expect(await resolvePaths(['.', 'logs'], ws)).toEqual(['.']);
    const archive = await createArchive(await resolvePaths(['logs/**'], ws), 'none');
    const names = (await listMembers(archive)).map((m) => m.name);
    expect(names.sort()).toEqual([
      'logs',
      'logs/a.log',
      'logs/b.log',
      'logs/keep.txt',
      'logs/sub',
      'logs/sub/x.log',
    ]);
  });

  test('below a listed symbolic link to a directory, matches stay listed (tar stores the link)', async () => {
    await symlink(path.join(ws, 'logs'), path.join(ws, 'loglink'));
    // As before: the link, and what lies behind it; only below the real directory sub is pruned.
    expect(await resolvePaths(['loglink/**'], ws)).toEqual([
      'loglink',
      'loglink/a.log',
      'loglink/b.log',
      'loglink/keep.txt',
      'loglink/sub',
    ]);
  });

  test('an exclusion reaching into a literal directory still gets the full walk', async () => {
    expect(await resolvePaths(['logs/sub/**', '!logs/sub/x.log'], ws)).toEqual(['logs/sub']);
    expect(await resolvePaths(['logs/*', '!logs/sub'], ws)).toEqual([
      'logs/a.log',
      'logs/b.log',
      'logs/keep.txt',
    ]);
  });

  test('declaredRoots covers everything resolvePaths matched', async () => {
    const patterns = ['logs/*', '!logs/*.log', '~/.cache/*'];
    const roots = declaredRoots(patterns, ws);
    for (const rel of await resolvePaths(patterns, ws)) {
      const abs = path.resolve(ws, rel);
      expect(roots.some((r) => abs === r || abs.startsWith(r + path.sep))).toBe(true);
    }
  });
});

describe('a runner with gzip but no zstd', () => {
  let zstdArchive: string;

  beforeEach(async () => {
    await makeFixture();
    zstdArchive = await createArchive(['a'], 'zstd');
    const bin = path.join(root, 'gzbin');
    await mkdir(bin);
    for (const tool of ['tar', 'gzip']) await symlink(which(tool), path.join(bin, tool));
    process.env.PATH = bin;
  });

  test("'auto' resolves to gzip and 'zstd' is refused", async () => {
    await expect(resolveCompression('auto')).resolves.toBe('gzip');
    await expect(resolveCompression('zstd')).rejects.toThrow(
      /no zstd executable was found on PATH/,
    );
  });

  test('gzip round trip works', async () => {
    const archive = await createArchive(['a', 'bin'], 'gzip');
    const before = await snapshot(path.join(ws, 'bin'));
    await rm(path.join(ws, 'bin'), { recursive: true });
    await receiveAndExtract(archive, { workspace: ws, method: 'gzip', allowedRoots: [ws] });
    expect(await snapshot(path.join(ws, 'bin'))).toEqual(before);
  });

  test('a zstd archive fails with a clear error and writes nothing', async () => {
    await rm(path.join(ws, 'a'), { recursive: true });
    const before = await snapshot(root);
    await expect(
      receiveAndExtract(zstdArchive, { workspace: ws, method: 'zstd', allowedRoots: [ws] }),
    ).rejects.toThrow(/zstd-compressed, but zstd was not found on PATH; install zstd/);
    expect(await snapshot(root)).toEqual(before);
  });

  test('creating a zstd archive fails the stream, naming zstd', async () => {
    await expect(
      pipeline(
        new TarArchiver({ logger: quiet }).create({
          workspace: ws,
          files: ['a'],
          method: 'zstd',
          tempDir: tmp,
        }),
        createWriteStream(path.join(tmp, 'x')),
      ),
    ).rejects.toThrow(/zstd was not found on PATH/);
  });
});

describe('malicious archives are refused before anything is written', () => {
  const cacheRoot = () => path.join(ws, 'cache');
  const ok = () => tw.file('cache/first-and-harmless.txt', 'would be extracted first');

  beforeEach(async () => {
    await mkdir(path.join(ws, 'cache'));
    await writeFile(path.join(ws, 'cache', 'keep.txt'), 'keep');
  });

  const cases: [string, () => Buffer, RegExp][] = [
    [
      '../escape',
      () => tw.tarball(ok(), tw.file('../escape.txt', 'x')),
      /'..\/escape.txt'.*outside/,
    ],
    [
      'an absolute path (pax path)',
      () =>
        tw.tarball(
          ok(),
          tw.pax({ path: path.join(outside, 'abs.txt') }),
          tw.file('placeholder', 'x'),
        ),
      /is absolute/,
    ],
    [
      'a symlink to outside, then a member written through it',
      () =>
        tw.tarball(ok(), tw.symlink('cache/evil', outside), tw.file('cache/evil/pwned.txt', 'x')),
      /'cache\/evil\/pwned.txt'.*written through/,
    ],
    [
      'a hard link to outside',
      () => tw.tarball(ok(), tw.hardlink('cache/hl', '../outside/secret')),
      /hard link target '..\/outside\/secret'/,
    ],
    ['a character device', () => tw.tarball(ok(), tw.charDevice('cache/null')), /character device/],
    [
      'a pax global header renaming every later member',
      () => tw.tarball(tw.pax({ path: '../escape-g.txt' }, 'g'), ok()),
      /pax global header members are not allowed/,
    ],
    [
      'a directory whose "data" hides another header',
      () =>
        tw.tarball(
          ok(),
          tw.entry({ name: 'cache/d/', typeflag: '5' }, tw.file('../hidden.txt', 'x')),
        ),
      /claims 1024 bytes/,
    ],
    [
      'a corrupted header checksum',
      () => tw.tarball(ok(), tw.header({ name: 'cache/x', checksum: 99 })),
      /checksum mismatch/,
    ],
  ];

  describe.each(['none', 'zstd'] as const)('%s', (method) => {
    test.each(cases)('%s', async (_label, build, message) => {
      const plain = build();
      const archive = path.join(tmp, `evil.${method}`);
      await writeFile(
        archive,
        method === 'zstd' ? spawnSync('zstd', ['-q', '-c'], { input: plain }).stdout : plain,
      );
      const before = await snapshot(root);
      const err = await receiveAndExtract(archive, {
        workspace: ws,
        method,
        allowedRoots: [cacheRoot()],
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnsafeArchiveError);
      expect((err as Error).message).toMatch(message);
      expect(await snapshot(root)).toEqual(before);
    });
  });

  test('an existing on-disk symlink under the root that leads outside is not written through', async () => {
    await symlink(outside, path.join(ws, 'cache', 'sub'));
    const archive = path.join(tmp, 'disk.tar');
    await writeFile(archive, tw.tarball(ok(), tw.file('cache/sub/pwned.txt', 'x')));
    const before = await snapshot(root);
    await expect(
      receiveAndExtract(archive, {
        workspace: ws,
        method: 'none',
        allowedRoots: [cacheRoot()],
      }),
    ).rejects.toThrow(/cache\/sub: an existing symlink to .*outside the declared paths/);
    expect(await snapshot(root)).toEqual(before);
  });

  test('a corrupt zstd stream is reported as a corrupt archive', async () => {
    const good = spawnSync('zstd', ['-q', '-c'], { input: tw.tarball(ok()) }).stdout;
    const archive = path.join(tmp, 'bad.zst');
    await writeFile(archive, good.subarray(0, good.length - 6));
    const before = await snapshot(root);
    await expect(
      receiveAndExtract(archive, {
        workspace: ws,
        method: 'zstd',
        allowedRoots: [cacheRoot()],
      }),
    ).rejects.toThrow(/zstd archive is corrupt: zstd exited with code 1/);
    expect(await snapshot(root)).toEqual(before);
  });

  test('a decompressor that exits before the scan reads is still read in full', async () => {
    // Regression: the scan once attached to zstd's stdout after an await; when zstd had already
    // exited, Node discarded its output and the scan passed an "empty" archive (~1 run in 150).
    const archive = path.join(tmp, 'race.zst');
    const plain = tw.tarball(tw.file('../escape.txt', 'x'));
    await writeFile(archive, spawnSync('zstd', ['-q', '-c'], { input: plain }).stdout);
    for (let i = 0; i < 100; i++) {
      await expect(
        receiveAndExtract(archive, {
          workspace: ws,
          method: 'zstd',
          allowedRoots: [cacheRoot()],
        }),
      ).rejects.toBeInstanceOf(UnsafeArchiveError);
    }
    expect(await readdir(root)).not.toContain('escape.txt');
  });

  test('the threat is real: GNU tar -P alone writes through the symlink', async () => {
    const archive = path.join(tmp, 'raw.tar');
    await writeFile(
      archive,
      tw.tarball(tw.symlink('cache/evil', outside), tw.file('cache/evil/pwned.txt', 'x')),
    );
    execFileSync('tar', ['-x', '-f', archive, '-P', '-C', ws]);
    expect(await readFile(path.join(outside, 'pwned.txt'), 'utf8')).toBe('x');
  });
});

test('the gate parser agrees with GNU tar on long names, long link targets and hard links', async () => {
  const long = path.join(ws, 'd'.repeat(90), 'e'.repeat(90), 'f'.repeat(90));
  await mkdir(long, { recursive: true });
  await writeFile(path.join(long, 'g'.repeat(120)), 'x');
  await writeFile(path.join(ws, 'orig'), 'y');
  execFileSync('ln', [path.join(ws, 'orig'), path.join(long, 'hard')]);
  await symlink(`../${'t'.repeat(200)}`, path.join(ws, 'longlink'));
  const archive = await createArchive(['d'.repeat(90), 'orig', 'longlink'], 'none');

  const ours = (await listMembers(archive)).map((m) => m.name);
  const gnu = execFileSync('tar', ['-tf', archive], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((n) => n.replace(/\/$/, ''));
  expect(ours).toEqual(gnu);
  expect(ours.some((n) => n.length > 255)).toBe(true);
});
