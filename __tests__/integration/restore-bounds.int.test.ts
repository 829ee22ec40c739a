import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';

import { DiskSpaceError } from '../../src/archive/disk-space.js';
import { STAGING_PREFIX } from '../../src/archive/staging.js';
import { TarArchiver } from '../../src/archive/tar-archiver.js';
import type { EntryManifest } from '../../src/cache/manifest.js';
import { restoreCache, type RestoreRequest } from '../../src/cache/restore-cache.js';
import { saveCache } from '../../src/cache/save-cache.js';
import type { RunContext } from '../../src/context.js';
import { UnsafeArchiveError } from '../../src/errors.js';
import { cacheSettings, quiet, transferSettings } from '../helpers/fixtures.js';
import { MemoryBackend } from '../helpers/memory-backend.js';
import { snapshot, zstd } from '../helpers/restore-harness.js';
import * as tw from '../helpers/tar-writer.js';

// What the manifest records at save bounds the restore, with real tar and zstd: glob patterns
// write only below the roots they matched, the tar stream may not run past its recorded size,
// and a restore leaves free space at its staging location. Every refusal is a miss with the tree
// as it was and no staging left.

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function sandbox(paths: string[]) {
  const root = await realpath(await mkdtemp(path.join(tmpdir(), 'restore-bounds-')));
  const ws = path.join(root, 'ws');
  const tempDir = path.join(root, 'tmp');
  await mkdir(tempDir);
  const backend = new MemoryBackend();
  const archiver = new TarArchiver({ logger: quiet });
  const deps = { backend, archiver, logger: quiet };
  const context = (workspace: string): RunContext => ({
    ci: 'local',
    workspace,
    owner: 'o',
    repo: 'r',
    ref: 'refs/heads/main',
  });
  const cache = cacheSettings({ key: 'k', paths });
  const files = async (dir: string, tree: Record<string, string>) => {
    for (const [rel, content] of Object.entries(tree)) {
      await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      await writeFile(path.join(dir, rel), content);
    }
  };
  const manifestName = () => [...backend.objects.keys()].find((n) => n.includes('/keys/'))!;
  const manifest = () =>
    JSON.parse(backend.objects.get(manifestName())!.data.toString()) as EntryManifest;
  const setManifest = (m: EntryManifest) =>
    backend.put(manifestName(), Readable.from([Buffer.from(JSON.stringify(m))]));
  /** Replaces the stored archive with `bytes`, the manifest agreeing on size and sha256. */
  const plant = async (bytes: Buffer, edit: Partial<EntryManifest> = {}) => {
    const m = manifest();
    await backend.put(m.archive, Readable.from([bytes]));
    await setManifest({ ...m, size: bytes.length, sha256: sha(bytes), ...edit });
  };
  const stagingLeft = async (): Promise<string[]> => {
    const found: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        if (e.name.startsWith(STAGING_PREFIX)) found.push(path.join(dir, e.name));
        else if (e.isDirectory()) await walk(path.join(dir, e.name));
      }
    };
    await walk(root);
    return found;
  };
  return {
    root,
    ws,
    backend,
    files,
    manifest,
    setManifest,
    plant,
    stagingLeft,
    save: async (workspace: string) =>
      saveCache(deps, {
        cache,
        transfer: transferSettings(),
        context: context(workspace),
        method: 'zstd',
        tempDir,
        tool: 'test',
      }),
    restore: (workspace: string, extra: Partial<RestoreRequest> = {}) =>
      restoreCache(deps, {
        cache,
        transfer: transferSettings(),
        context: context(workspace),
        method: 'zstd',
        tempDir,
        ...extra,
      }),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

const project = {
  'a/node_modules/left-pad/index.js': 'pad',
  'b/c/node_modules/x/y.js': 'y',
  'src/index.js': 'source',
};

describe('glob patterns restore only below the roots they matched', () => {
  test('a **/node_modules round trip records the matched roots and restores them', async () => {
    const s = await sandbox(['**/node_modules']);
    try {
      const first = path.join(s.root, 'first');
      await s.files(first, project);
      expect(await s.save(first)).toMatchObject({ status: 'saved' });
      expect(s.manifest().roots).toEqual(['a/node_modules', 'b/c/node_modules']);

      await s.files(s.ws, { 'src/index.js': 'mine' });
      expect(await s.restore(s.ws)).toMatchObject({ exact: true, restored: true });
      expect(await readFile(path.join(s.ws, 'a/node_modules/left-pad/index.js'), 'utf8')).toBe(
        'pad',
      );
      expect(await readFile(path.join(s.ws, 'b/c/node_modules/x/y.js'), 'utf8')).toBe('y');
      // The source tree was not in the cache and is not touched.
      expect(await readFile(path.join(s.ws, 'src/index.js'), 'utf8')).toBe('mine');
      expect(await s.stagingLeft()).toEqual([]);
    } finally {
      await s.cleanup();
    }
  });

  test('a member outside the matched roots, inside the literal prefix, is refused', async () => {
    const s = await sandbox(['**/node_modules']);
    try {
      const first = path.join(s.root, 'first');
      await s.files(first, project);
      await s.save(first);
      const plain = tw.tarball(
        tw.file('a/node_modules/left-pad/index.js', 'pad'),
        tw.file('src/index.js', 'pwned'),
      );
      await s.plant(zstd(plain), { tarSize: plain.length });
      // Without the record, the literal prefix (the whole workspace) would allow src/index.js.
      await s.files(s.ws, { 'src/index.js': 'mine' });
      const before = await snapshot(s.ws);
      await expect(s.restore(s.ws)).rejects.toThrow(
        /refusing to extract archive member 'src\/index.js'.*outside the declared paths/,
      );
      expect(await snapshot(s.ws)).toEqual(before);
      expect(await s.stagingLeft()).toEqual([]);
    } finally {
      await s.cleanup();
    }
  });

  test('a manifest whose recorded roots the patterns do not allow is refused', async () => {
    const s = await sandbox(['**/node_modules']);
    try {
      const first = path.join(s.root, 'first');
      await s.files(first, project);
      await s.save(first);
      await s.setManifest({ ...s.manifest(), roots: ['a/node_modules', 'src'] });
      await mkdir(s.ws);
      const before = await snapshot(s.ws);
      await expect(s.restore(s.ws)).rejects.toThrow(UnsafeArchiveError);
      expect(await snapshot(s.ws)).toEqual(before);
    } finally {
      await s.cleanup();
    }
  });
});

describe('the tar stream may not run past the size recorded at save', () => {
  test('the manifest records the stream length GNU tar wrote', async () => {
    const s = await sandbox(['deps']);
    try {
      const first = path.join(s.root, 'first');
      await s.files(first, { 'deps/a.txt': 'a'.repeat(5000), 'deps/b/c.txt': 'c' });
      await s.save(first);
      const m = s.manifest();
      const stored = s.backend.objects.get(m.archive)!.data;
      const plain = spawnSync('zstd', ['-d', '-c'], { input: stored }).stdout;
      expect(m.tarSize).toBe(plain.length);
      expect(await s.restore(s.ws)).toMatchObject({ restored: true });
    } finally {
      await s.cleanup();
    }
  });

  test('a stream longer than its recorded size is a miss: tree untouched, staging gone', async () => {
    const s = await sandbox(['deps']);
    try {
      const first = path.join(s.root, 'first');
      await s.files(first, { 'deps/big.bin': 'x'.repeat(200_000) });
      await s.save(first);
      await s.setManifest({ ...s.manifest(), tarSize: 50_000 });
      await s.files(s.ws, { 'deps/keep.txt': 'keep' });
      const before = await snapshot(s.ws);
      await expect(s.restore(s.ws)).rejects.toThrow(
        /unpacks to more than the 50000 bytes its manifest records/,
      );
      expect(await snapshot(s.ws)).toEqual(before);
      expect(await s.stagingLeft()).toEqual([]);
    } finally {
      await s.cleanup();
    }
  });

  test('an entry saved before sizes and roots were recorded still restores', async () => {
    const s = await sandbox(['**/node_modules']);
    try {
      const first = path.join(s.root, 'first');
      await s.files(first, project);
      await s.save(first);
      const old = s.manifest();
      delete old.roots;
      delete old.tarSize;
      await s.setManifest(old);
      expect(await s.restore(s.ws)).toMatchObject({ restored: true });
      expect(await readFile(path.join(s.ws, 'b/c/node_modules/x/y.js'), 'utf8')).toBe('y');
    } finally {
      await s.cleanup();
    }
  });
});

describe('free space at the staging location', () => {
  test('a margin larger than the disk refuses before extracting: a plain miss', async () => {
    const s = await sandbox(['deps']);
    try {
      const first = path.join(s.root, 'first');
      await s.files(first, { 'deps/a.txt': 'a' });
      await s.save(first);
      await s.files(s.ws, { 'deps/keep.txt': 'keep' });
      const before = await snapshot(s.ws);
      const err = await s.restore(s.ws, { spaceMargin: { minBytes: 2 ** 52, fraction: 0 } }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DiskSpaceError);
      // Not the entry's fault: never reported as a bad entry.
      expect(err).not.toBeInstanceOf(UnsafeArchiveError);
      expect((err as Error).message).toMatch(/not restoring: .* free, .* to unpack/);
      expect(await snapshot(s.ws)).toEqual(before);
      expect(await s.stagingLeft()).toEqual([]);
      // The real margin lets the same restore through.
      expect(await s.restore(s.ws)).toMatchObject({ restored: true });
    } finally {
      await s.cleanup();
    }
  });

  test('a disk that fills while the stream runs stops the restore mid-stream', async () => {
    const s = await sandbox(['deps']);
    try {
      const first = path.join(s.root, 'first');
      // 96 MiB of zeros: a small archive whose stream passes the 64 MiB re-check.
      await mkdir(path.join(first, 'deps'), { recursive: true });
      await writeFile(path.join(first, 'deps/zeros.bin'), Buffer.alloc(96 * 1024 * 1024));
      await s.save(first);
      await s.files(s.ws, { 'deps/keep.txt': 'keep' });
      const before = await snapshot(s.ws);
      // Plenty of room when the restore starts; then someone else fills the disk.
      let calls = 0;
      const statfs = () =>
        Promise.resolve({ bsize: 4096, blocks: 2 ** 30, bavail: ++calls === 1 ? 2 ** 29 : 10 });
      const err = await s
        .restore(s.ws, { spaceMargin: { minBytes: 256 * 1024 * 1024, fraction: 0, statfs } })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(DiskSpaceError);
      expect(calls).toBeGreaterThan(1);
      expect(await snapshot(s.ws)).toEqual(before);
      expect(await s.stagingLeft()).toEqual([]);
    } finally {
      await s.cleanup();
    }
  }, 60_000);
});
