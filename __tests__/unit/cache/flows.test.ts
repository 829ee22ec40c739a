import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';

import { type CacheDeps, restoreCache } from '../../../src/cache/restore-cache.js';
import { saveCache } from '../../../src/cache/save-cache.js';
import type { RunContext } from '../../../src/context.js';
import {
  StorageError,
  TimeoutError,
  UnsafeArchiveError,
  UnusableEntryError,
} from '../../../src/errors.js';
import type { CacheSettings, TransferSettings } from '../../../src/settings.js';
import { FakeArchiver } from '../../helpers/fake-archiver.js';
import { cacheSettings, quiet, transferSettings } from '../../helpers/fixtures.js';
import { MemoryBackend } from '../../helpers/memory-backend.js';
import { RoundTrips } from '../../helpers/round-trips.js';

const transfer = transferSettings({
  concurrency: 2,
  partSize: 5 * 1024 * 1024,
  stallTimeoutMs: 30_000,
});

function setup(
  overrides: Partial<CacheSettings> = {},
  ctx: Partial<RunContext> = {},
  xfer: TransferSettings = transfer,
) {
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'flows-ws-'));
  mkdirSync(path.join(workspace, 'deps'));
  writeFileSync(path.join(workspace, 'deps', 'a.txt'), 'a');
  const tempDir = mkdtempSync(path.join(os.tmpdir(), 'flows-tmp-'));
  const cache = cacheSettings({
    key: 'deps-v1',
    restoreKeys: ['deps-'],
    prefix: 'ci',
    ...overrides,
  });
  const context: RunContext = {
    ci: 'github',
    workspace,
    owner: 'o',
    repo: 'r',
    ref: 'refs/heads/main',
    ...ctx,
  };
  const backend = new MemoryBackend();
  const archiver = new FakeArchiver();
  const deps: CacheDeps = { backend, archiver, logger: quiet };
  const save = (c: Partial<CacheSettings> = {}, x: Partial<RunContext> = {}) =>
    saveCache(deps, {
      cache: { ...cache, ...c },
      transfer: xfer,
      context: { ...context, ...x },
      method: 'zstd',
      tempDir,
      tool: 'test',
    });
  const restore = (c: Partial<CacheSettings> = {}, x: Partial<RunContext> = {}) =>
    restoreCache(deps, {
      cache: { ...cache, ...c },
      transfer: xfer,
      context: { ...context, ...x },
      method: 'zstd',
      tempDir,
    });
  return { backend, archiver, deps, save, restore, workspace };
}

const names = (b: MemoryBackend, part: string) =>
  [...b.objects.keys()].filter((n) => n.includes(part));

describe('save then restore', () => {
  test('round trip: manifest written after the archive, exact hit verified and extracted', async () => {
    const { backend, archiver, save, restore, workspace } = setup();
    const saved = await save();
    expect(saved).toMatchObject({ status: 'saved', key: 'deps-v1', scope: 'refs/heads/main' });
    const puts = backend.calls.filter((c) => c.startsWith('put '));
    expect(puts[0]).toContain('/archives/');
    expect(puts[1]).toMatch(/\/keys\/deps-v1$/);
    expect(archiver.created[0]).toMatchObject({ workspace, files: ['deps'], method: 'zstd' });

    const r = await restore();
    expect(r).toMatchObject({
      primaryKey: 'deps-v1',
      matchedKey: 'deps-v1',
      exact: true,
      restored: true,
    });
    expect(archiver.extracted).toHaveLength(1);
    expect(archiver.extracted[0]!.bytes.toString()).toBe('["deps"]');
    expect(archiver.extracted[0]!.opts.allowedRoots).toEqual([path.join(workspace, 'deps')]);
  });

  test('an exact hit costs one lookup round (stats and listings at once), then two gets', async () => {
    const { backend, save, restore } = setup();
    await save();
    backend.calls.length = 0;
    await restore();
    // The lookup: a stat and a listing for zstd and for the gzip fallback, all sent together.
    // Then the manifest, the usage marker's stat beside the archive, and the day's first use.
    expect(backend.calls.map((c) => c.split(' ')[0])).toEqual([
      'stat',
      'stat',
      'list',
      'list',
      'get',
      'stat',
      'get',
      'put',
    ]);
  });

  test('the manifest records integrity and provenance', async () => {
    const { backend, save } = setup({}, { sha: 'abc123', runUrl: 'https://ci/run/1' });
    await save();
    const manifest = JSON.parse(
      backend.objects.get(names(backend, '/keys/')[0]!)!.data.toString(),
    ) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      v: 1,
      key: 'deps-v1',
      size: 8,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      compression: 'zstd',
      paths: ['deps'],
      writer: {
        tool: 'test',
        repository: 'o/r',
        ref: 'refs/heads/main',
        sha: 'abc123',
        runUrl: 'https://ci/run/1',
      },
    });
  });

  test('a restore-keys match is restored but is not a cache hit', async () => {
    const { save, restore } = setup();
    await save({ key: 'deps-old' });
    expect(await restore({ key: 'deps-new' })).toMatchObject({
      matchedKey: 'deps-old',
      exact: false,
      restored: true,
    });
  });

  test('miss: nothing downloaded, nothing extracted', async () => {
    const { backend, archiver, restore } = setup();
    expect(await restore()).toEqual({ primaryKey: 'deps-v1', exact: false, restored: false });
    expect(backend.calls.some((c) => c.startsWith('get '))).toBe(false);
    expect(archiver.extracted).toHaveLength(0);
  });

  test('lookup-only reports the match without downloading the archive', async () => {
    const { backend, archiver, save, restore } = setup();
    await save();
    backend.calls.length = 0;
    expect(await restore({ lookupOnly: true })).toMatchObject({
      matchedKey: 'deps-v1',
      exact: true,
      restored: false,
      size: 8,
    });
    expect(backend.calls.filter((c) => c.startsWith('get ') && c.includes('/archives/'))).toEqual(
      [],
    );
    expect(archiver.extracted).toHaveLength(0);
  });

  test('a pull request reads main but saves only to its own ref', async () => {
    const { backend, save, restore } = setup();
    await save();
    const pr = { ref: 'refs/pull/3/merge', baseRef: 'refs/heads/main' };
    expect(await restore({}, pr)).toMatchObject({
      matchedKey: 'deps-v1',
      exact: true,
      scope: 'refs/heads/main',
    });
    await save({ key: 'deps-v2' }, pr);
    expect(names(backend, '/keys/deps-v2')[0]).toContain('ref-refs%2Fpull%2F3%2Fmerge');
    // main never sees the PR's newer entry: it keeps restoring its own.
    expect(await restore({ key: 'deps-v2' })).toMatchObject({
      matchedKey: 'deps-v1',
      exact: false,
      scope: 'refs/heads/main',
    });
    expect(await restore({ key: 'deps-v2', restoreKeys: [] })).toMatchObject({
      exact: false,
      restored: false,
    });
    expect((await restore({ key: 'deps-v2', restoreKeys: [] })).matchedKey).toBeUndefined();
  });
});

describe('integrity', () => {
  test('a tampered archive is refused before extraction', async () => {
    const { backend, archiver, save, restore } = setup();
    await save();
    const archive = backend.objects.get(names(backend, '/archives/')[0]!)!;
    archive.data = Buffer.from(archive.data.toString().replace('deps', 'dEps'));
    await expect(restore()).rejects.toThrow(UnsafeArchiveError);
    await expect(restore()).rejects.toThrow(/sha256/);
    expect(archiver.extracted).toHaveLength(0);
  });

  test("the primary key's own entry, refused, is handed over for replacement by its ETag", async () => {
    const { backend, save, restore } = setup();
    await save();
    const manifestName = names(backend, '/keys/')[0]!;
    const archive = backend.objects.get(names(backend, '/archives/')[0]!)!;
    archive.data = Buffer.from(archive.data.toString().replace('deps', 'dEps'));
    const err = await restore().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnusableEntryError);
    expect((err as UnusableEntryError).entry).toEqual({
      manifestName,
      etag: (await backend.stat(manifestName))!.etag,
    });
    // A restore-key match is not this run's to replace: a plain refusal.
    const viaRestoreKey = await restore({ key: 'other', restoreKeys: ['deps'] }).catch(
      (e: unknown) => e,
    );
    expect(viaRestoreKey).toBeInstanceOf(UnsafeArchiveError);
    expect(viaRestoreKey).not.toBeInstanceOf(UnusableEntryError);
    // An archive that is gone counts too.
    backend.objects.delete(names(backend, '/archives/')[0]!);
    await expect(restore()).rejects.toThrow(UnusableEntryError);
  });

  test('a truncated archive is refused by size', async () => {
    const { backend, archiver, save, restore } = setup();
    await save();
    const archive = backend.objects.get(names(backend, '/archives/')[0]!)!;
    archive.data = archive.data.subarray(0, 3);
    await expect(restore()).rejects.toThrow(/3 bytes but its manifest says 8/);
    expect(archiver.extracted).toHaveLength(0);
  });

  test('a manifest pointing outside its entry folder is refused', async () => {
    const { backend, save, restore } = setup();
    await save();
    const [manifestName] = names(backend, '/keys/');
    const m = JSON.parse(backend.objects.get(manifestName!)!.data.toString()) as {
      archive: string;
    };
    m.archive = 'ci/other-owner/other-repo/secret.tar.zst';
    backend.objects.get(manifestName!)!.data = Buffer.from(JSON.stringify(m));
    await expect(restore()).rejects.toThrow(/outside its entry folder/);
  });

  test('a store failure while reading the manifest is reported as such, not as a bad entry', async () => {
    const { backend, save, restore } = setup();
    await save();
    const realGet = backend.get.bind(backend);
    backend.get = async (name, opts) => {
      if (name.includes('/keys/'))
        throw new StorageError('reading the manifest object failed: 503 Slow Down', 'retry later');
      return realGet(name, opts);
    };
    const err: unknown = await restore().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(err).not.toBeInstanceOf(UnsafeArchiveError);
  });

  test('garbage at a key is refused, not trusted', async () => {
    const { backend, save, restore } = setup();
    await save();
    backend.objects.get(names(backend, '/keys/')[0]!)!.data = Buffer.from('not json');
    await expect(restore()).rejects.toThrow(UnsafeArchiveError);
  });
});

describe('the member gate runs during the download', () => {
  test('the archiver receives the download and is given the declared roots', async () => {
    const { archiver, save, restore, workspace } = setup();
    await save();
    await restore();
    expect(archiver.started).toHaveLength(1);
    expect(archiver.started[0]).toMatchObject({
      workspace,
      method: 'zstd',
      allowedRoots: [path.join(workspace, 'deps')],
    });
    expect(archiver.extracted[0]!.opts).toBe(archiver.started[0]);
    expect(archiver.discarded).toBe(0);
  });

  test('a refused member stops the download early and nothing is extracted', async () => {
    const { backend, archiver, save, restore } = setup();
    await save();
    archiver.refuse = 'EVIL';
    const realGet = backend.get.bind(backend);
    let served = 0;
    backend.get = async (name, opts) => {
      if (!name.includes('/archives/')) return realGet(name, opts);
      // 4 GiB on demand, the refused member in the first chunk.
      return new Readable({
        read() {
          if (served >= 4 * 1024 ** 3) return void this.push(null);
          const chunk = Buffer.alloc(64 * 1024, served === 0 ? 'EVIL' : 'x');
          served += chunk.length;
          this.push(chunk);
        },
      });
    };
    const err = await restore().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeArchiveError);
    expect((err as Error).message).toMatch(/EVIL/);
    expect(served).toBeLessThan(4 * 1024 * 1024);
    expect(archiver.extracted).toHaveLength(0);
  });

  test('an extraction that hangs after the last byte is abandoned after stall-timeout', async () => {
    const { archiver, save, restore } = setup({}, {}, { ...transfer, stallTimeoutMs: 300 });
    await save();
    archiver.stageHangs = true;
    const started = Date.now();
    await expect(restore()).rejects.toThrow(TimeoutError);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(archiver.extracted).toHaveLength(0);
    expect(archiver.discarded).toBe(1);
  });
});

describe('write-once entries', () => {
  test('an existing key is not re-uploaded', async () => {
    const { backend, save } = setup();
    await save();
    const manifest = names(backend, '/keys/')[0]!;
    const before = backend.objects.get(manifest);
    backend.calls.length = 0;
    expect(await save()).toMatchObject({ status: 'exists', reason: 'present' });
    // Packing starts while the stat is out; the answer cancels it and nothing new stays.
    expect(names(backend, '/archives/')).toHaveLength(1);
    expect(backend.objects.get(manifest)).toBe(before);
    expect(backend.calls.filter((c) => c.startsWith('put ') && c.includes('/keys/'))).toEqual([]);
  });

  test('the existence check and the upload overlap: a save is not a round trip longer', async () => {
    const { backend, deps, save } = setup();
    let putSent: () => void = () => undefined;
    const archivePut = new Promise<void>((r) => (putSent = r));
    // The stat's answer is held until the archive put has been sent: the old order (stat, then
    // pack and put) would wait forever here.
    const rt = new RoundTrips(
      backend,
      (call) => {
        if (call.startsWith('put ') && call.includes('/archives/')) putSent();
      },
      (call) => (call.startsWith('stat ') ? archivePut : Promise.resolve()),
    );
    deps.backend = rt;
    await save();
    expect(rt.log.map((l) => `${l.call.split(' ')[0]} ${l.round}`)).toEqual([
      'stat 1',
      'put 1',
      'put 2',
      // The key index, written beside the manifest commit: no round trip longer.
      'put 2',
    ]);
  });

  test('an existing key found while a small archive was already committed removes it', async () => {
    const { backend, save } = setup();
    await save();
    const realStat = backend.stat.bind(backend);
    // The answer arrives only after the archive put has finished.
    backend.stat = async (name) => {
      await new Promise((r) => setTimeout(r, 20));
      return realStat(name);
    };
    expect(await save()).toMatchObject({ status: 'exists', reason: 'present' });
    expect(names(backend, '/archives/')).toHaveLength(1);
  });

  test('losing the race to commit the manifest removes our archive and keeps the winner', async () => {
    const { backend, save } = setup();
    await save();
    const [manifestName] = names(backend, '/keys/');
    const winner = backend.objects.get(manifestName!)!.data.toString();
    // Another job committed between our stat and our manifest put.
    const realStat = backend.stat.bind(backend);
    backend.stat = async (name) => (name === manifestName ? undefined : realStat(name));
    expect(await save()).toMatchObject({ status: 'exists', reason: 'lost-race' });
    expect(backend.objects.get(manifestName!)!.data.toString()).toBe(winner);
    expect(names(backend, '/archives/')).toHaveLength(1);
  });

  test('overwrite replaces the entry and removes the old archive', async () => {
    const { backend, save, restore, workspace } = setup();
    await save();
    const [oldArchive] = names(backend, '/archives/');
    writeFileSync(path.join(workspace, 'deps', 'b.txt'), 'b');
    backend.tick();
    expect(await save({ overwrite: true, paths: ['deps'] })).toMatchObject({ status: 'saved' });
    const archives = names(backend, '/archives/');
    expect(archives).toHaveLength(1);
    expect(archives[0]).not.toBe(oldArchive);
    expect(await restore()).toMatchObject({ exact: true, restored: true });
  });

  test('no matching files: nothing is uploaded', async () => {
    const { backend, save } = setup({ paths: ['nothing-here/**'] });
    expect(await save()).toEqual({ status: 'no-files', key: 'deps-v1' });
    expect(backend.objects.size).toBe(0);
  });
});

describe('failures leave nothing behind', () => {
  test('tar failing mid-stream: the save fails and nothing is visible', async () => {
    const { backend, archiver, save } = setup();
    archiver.mode = 'fail';
    await expect(save()).rejects.toThrow(/tar: exited with code 2/);
    expect(backend.objects.size).toBe(0);
  });

  test('the manifest put failing removes the uploaded archive', async () => {
    const { backend, save } = setup();
    const manifest = 'ci/o/r/ref-refs%2Fheads%2Fmain/';
    const realPut = backend.put.bind(backend);
    backend.put = async (name, body, opts) => {
      if (name.startsWith(manifest) && name.includes('/keys/')) throw new Error('503 Slow Down');
      return realPut(name, body, opts);
    };
    await expect(save()).rejects.toThrow(/503/);
    expect(backend.objects.size).toBe(0);
  });

  test('a stalled upload is abandoned after stall-timeout', async () => {
    const { backend, archiver, save } = setup({}, {}, { ...transfer, stallTimeoutMs: 300 });
    archiver.mode = 'hang';
    const started = Date.now();
    await expect(save()).rejects.toThrow(TimeoutError);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(backend.objects.size).toBe(0);
  });

  test('a cancelled save (SIGTERM) stops the upload and commits nothing', async () => {
    const { backend, archiver, deps, workspace } = setup();
    archiver.mode = 'hang';
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('cancelled by SIGTERM')), 50);
    const saving = saveCache(deps, {
      cache: cacheSettings({ key: 'deps-v1', prefix: 'ci' }),
      transfer,
      context: { ci: 'github', workspace, owner: 'o', repo: 'r', ref: 'refs/heads/main' },
      method: 'zstd',
      tempDir: workspace,
      tool: 'test',
      signal: ac.signal,
    });
    await expect(saving).rejects.toThrow(/SIGTERM/);
    expect(backend.objects.size).toBe(0);
  });

  test('a save cancelled once its archive is stored removes it and commits no manifest', async () => {
    const { backend, deps, workspace } = setup();
    const ac = new AbortController();
    const realPut = backend.put.bind(backend);
    backend.put = async (name, body, opts) => {
      await realPut(name, body, opts);
      if (name.includes('/archives/')) ac.abort(new Error('cancelled by SIGTERM'));
    };
    const saving = saveCache(deps, {
      cache: cacheSettings({ key: 'deps-v1', prefix: 'ci' }),
      transfer,
      context: { ci: 'github', workspace, owner: 'o', repo: 'r', ref: 'refs/heads/main' },
      method: 'zstd',
      tempDir: workspace,
      tool: 'test',
      signal: ac.signal,
    });
    await expect(saving).rejects.toThrow(/SIGTERM/);
    expect(backend.objects.size).toBe(0);
  });

  test('a download that errors midway is not extracted', async () => {
    const { backend, archiver, save, restore } = setup();
    await save();
    const realGet = backend.get.bind(backend);
    backend.get = async (name, opts) => {
      if (!name.includes('/archives/')) return realGet(name, opts);
      return new Readable({
        read() {
          this.destroy(new Error('ECONNRESET'));
        },
      });
    };
    await expect(restore()).rejects.toThrow(/ECONNRESET/);
    expect(archiver.extracted).toHaveLength(0);
  });
});
