import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';

import { listEntries } from '../../../src/cache/catalog.js';
import { Layout } from '../../../src/cache/layout.js';
import { portablePaths } from '../../../src/cache/portable-paths.js';
import { type CacheDeps, restoreCache } from '../../../src/cache/restore-cache.js';
import { saveCache } from '../../../src/cache/save-cache.js';
import type { RunContext } from '../../../src/context.js';
import { UnsafeArchiveError } from '../../../src/errors.js';
import type { CacheSettings } from '../../../src/settings.js';
import { FakeArchiver } from '../../helpers/fake-archiver.js';
import { cacheSettings, quiet, transferSettings } from '../../helpers/fixtures.js';
import { MemoryBackend } from '../../helpers/memory-backend.js';
import { RoundTrips } from '../../helpers/round-trips.js';

// Restore by key alone (the CLI's `restore --key K`): found through the key index, restoring the
// paths the entry's manifest recorded.

function workspaceWith(...dirs: string[]): string {
  const ws = mkdtempSync(path.join(os.tmpdir(), 'pathless-ws-'));
  for (const d of dirs) {
    mkdirSync(path.join(ws, d), { recursive: true });
    writeFileSync(path.join(ws, d, 'f.txt'), d);
  }
  return ws;
}

function setup() {
  const backend = new MemoryBackend();
  const archiver = new FakeArchiver();
  const deps: CacheDeps = { backend, archiver, logger: quiet };
  const tempDir = mkdtempSync(path.join(os.tmpdir(), 'pathless-tmp-'));
  const context = (workspace: string): RunContext => ({
    ci: 'local',
    workspace,
    owner: 'o',
    repo: 'r',
    ref: 'refs/heads/main',
  });
  const base = cacheSettings({ prefix: 'ci', key: 'deps-1' });
  const save = (ws: string, c: Partial<CacheSettings>, platform?: NodeJS.Platform) =>
    saveCache(deps, {
      cache: { ...base, ...c },
      transfer: transferSettings(),
      context: context(ws),
      method: 'zstd',
      tempDir,
      tool: 'test',
      platform,
    });
  const restore = (ws: string, c: Partial<CacheSettings> = {}) =>
    restoreCache(deps, {
      cache: { ...base, paths: [], ...c },
      transfer: transferSettings(),
      context: context(ws),
      method: 'zstd',
      tempDir,
      platform: 'linux',
    });
  return { backend, archiver, deps, save, restore };
}

describe('restore without paths', () => {
  test('restores the recorded paths into this runner’s own workspace', async () => {
    const { archiver, save, restore } = setup();
    const first = workspaceWith('deps', 'other');
    expect(await save(first, { paths: ['deps', 'other'] }, 'linux')).toMatchObject({
      status: 'saved',
    });
    const second = workspaceWith();
    const r = await restore(second);
    expect(r).toMatchObject({
      matchedKey: 'deps-1',
      exact: true,
      restored: true,
      paths: ['deps', 'other'],
    });
    const opts = archiver.extracted[0]!.opts;
    expect(opts.allowedRoots).toEqual([path.join(second, 'deps'), path.join(second, 'other')]);
    expect(opts.workspace).toBe(second);
    expect(opts.method).toBe('zstd');
  });

  test('the lookup is one listing (every scope at once) and one manifest read', async () => {
    const { backend, deps, save, restore } = setup();
    await save(workspaceWith('deps'), { paths: ['deps'] }, 'linux');
    const rt = new RoundTrips(backend);
    deps.backend = rt;
    const r = await restore(workspaceWith(), { key: 'deps-1' });
    expect(r.restored).toBe(true);
    const round = (what: string) => rt.log.filter((l) => l.call.startsWith(what));
    expect(round('list').map((l) => l.round)).toEqual([1]);
    expect(round('get').map((l) => [l.call.includes('/keys/'), l.round])).toEqual([
      [true, 2],
      [false, 3],
    ]);
  });

  test('of one key saved with two path lists, the newer save wins', async () => {
    const { backend, save, restore } = setup();
    await save(workspaceWith('deps'), { paths: ['deps'] }, 'linux');
    backend.tick(5);
    await save(workspaceWith('other'), { paths: ['other'] }, 'linux');
    expect((await restore(workspaceWith())).paths).toEqual(['other']);
  });

  test('restore keys match as prefixes, newest first', async () => {
    const { backend, save, restore } = setup();
    await save(workspaceWith('deps'), { key: 'deps-a', paths: ['deps'] }, 'linux');
    backend.tick(5);
    await save(workspaceWith('other'), { key: 'deps-b', paths: ['other'] }, 'linux');
    const r = await restore(workspaceWith(), { key: 'deps-zzz', restoreKeys: ['deps-'] });
    expect(r).toMatchObject({ matchedKey: 'deps-b', exact: false, paths: ['other'] });
    const miss = await restore(workspaceWith(), { key: 'nothing', restoreKeys: ['none-'] });
    expect(miss.restored).toBe(false);
    expect(miss.matchedKey).toBeUndefined();
  });

  test('lookup-only finds the entry without downloading it', async () => {
    const { archiver, save, restore } = setup();
    await save(workspaceWith('deps'), { paths: ['deps'] }, 'linux');
    const r = await restore(workspaceWith(), { lookupOnly: true });
    expect(r).toMatchObject({ matchedKey: 'deps-1', restored: false, paths: ['deps'] });
    expect(archiver.started).toHaveLength(0);
  });

  test('an entry saved on another OS is a miss, as with paths given', async () => {
    const { archiver, save, restore } = setup();
    await save(workspaceWith('deps'), { paths: ['deps'] }, 'win32');
    const r = await restore(workspaceWith());
    expect(r.restored).toBe(false);
    expect(r.matchedKey).toBeUndefined();
    expect(archiver.started).toHaveLength(0);
  });

  test('a manifest whose paths were altered is refused before anything is downloaded', async () => {
    const { backend, archiver, save, restore } = setup();
    await save(workspaceWith('deps'), { paths: ['deps'] }, 'linux');
    const name = [...backend.objects.keys()].find((n) => n.includes('/keys/'))!;
    const manifest = JSON.parse(backend.objects.get(name)!.data.toString()) as {
      paths: string[];
    };
    manifest.paths = ['.git'];
    await backend.put(name, Readable.from([Buffer.from(JSON.stringify(manifest))]));
    await expect(restore(workspaceWith())).rejects.toThrow(UnsafeArchiveError);
    expect(archiver.started).toHaveLength(0);
  });

  test('an oversized manifest behind the index is refused without reading it all', async () => {
    const { backend, save, restore } = setup();
    await save(workspaceWith('deps'), { paths: ['deps'] }, 'linux');
    const name = [...backend.objects.keys()].find((n) => n.includes('/keys/'))!;
    await backend.put(name, Readable.from([Buffer.alloc(300 * 1024, 0x20)]));
    await expect(restore(workspaceWith())).rejects.toThrow(/larger than/);
  });

  test('with paths given nothing changes: the index is not consulted', async () => {
    const { backend, save, restore } = setup();
    await save(workspaceWith('deps'), { paths: ['deps'] }, 'linux');
    backend.calls.length = 0;
    const r = await restore(workspaceWith(), { paths: ['deps'] });
    expect(r.restored).toBe(true);
    expect(backend.calls.filter((c) => c.includes('/idx/'))).toEqual([]);
  });

  test('the index is one object per key and version, never listed as an entry', async () => {
    const { backend, save } = setup();
    await save(workspaceWith('deps'), { paths: ['deps'] }, 'linux');
    await save(workspaceWith('deps'), { paths: ['deps'], overwrite: true }, 'linux');
    const index = [...backend.objects.keys()].filter((n) => n.includes('/idx/'));
    expect(index).toHaveLength(1);
    expect(index[0]).toMatch(/^ci\/o\/r\/ref-refs%2Fheads%2Fmain\/idx\/deps-1\/[0-9a-f]{64}$/);
    const entries = await listEntries(backend, new Layout('ci', 'o', 'r'));
    expect(entries.map((e) => [e.key, e.indexName])).toEqual([['deps-1', index[0]]]);
  });
});

describe('portablePaths', () => {
  const ws = path.resolve('/ci/ws');
  test('absolute lines inside the workspace become relative; others stay as written', () => {
    expect(
      portablePaths(
        [`${ws}/maven-repo`, `!${ws}/maven-repo/**/*.log`, '~/.npm', '/shared/cache', 'deps', ws],
        ws,
      ),
    ).toEqual(['maven-repo', '!maven-repo/**/*.log', '~/.npm', '/shared/cache', 'deps', '.']);
    expect(portablePaths(['deps', '~/.m2', '/opt/x'], ws)).toBeUndefined();
  });

  test('a restore by key on another runner lands in its own workspace', async () => {
    const { archiver, save, restore } = setup();
    const first = workspaceWith('deps');
    await save(first, { paths: [path.join(first, 'deps')] }, 'linux');
    const second = workspaceWith();
    const r = await restore(second);
    expect(r.paths).toEqual(['deps']);
    expect(archiver.extracted[0]!.opts.allowedRoots).toEqual([path.join(second, 'deps')]);
  });
});
