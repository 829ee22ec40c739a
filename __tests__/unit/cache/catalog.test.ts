import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

import { deleteEntries, listEntries, OrphanGraceMs } from '../../../src/cache/catalog.js';
import { Layout } from '../../../src/cache/layout.js';
import { prune } from '../../../src/cache/prune.js';
import { saveCache } from '../../../src/cache/save-cache.js';
import type { RunContext } from '../../../src/context.js';
import { FakeArchiver } from '../../helpers/fake-archiver.js';
import { cacheSettings, quiet, scratchDir } from '../../helpers/fixtures.js';
import { MemoryBackend } from '../../helpers/memory-backend.js';

const DAY = 86_400_000;

/** A store filled through the real save flow, so the catalog reads what saves really write. */
function setup() {
  const workspace = scratchDir('catalog-ws-');
  mkdirSync(path.join(workspace, 'deps'));
  writeFileSync(path.join(workspace, 'deps', 'a.txt'), 'a');
  mkdirSync(path.join(workspace, 'other'));
  writeFileSync(path.join(workspace, 'other', 'b.txt'), 'b');
  const tempDir = scratchDir('catalog-tmp-');
  const backend = new MemoryBackend();
  const layout = new Layout('ci', 'o', 'r');
  const base = cacheSettings({ prefix: 'ci' });
  const save = async (
    key: string,
    opts: { ref?: string; scope?: 'branch' | 'repository'; paths?: string[] } = {},
  ) => {
    const context: RunContext = {
      ci: 'local',
      workspace,
      owner: 'o',
      repo: 'r',
      ref: opts.ref ?? 'refs/heads/main',
    };
    const result = await saveCache(
      { backend, archiver: new FakeArchiver(), logger: quiet },
      {
        cache: { ...base, key, scope: opts.scope ?? 'branch', paths: opts.paths ?? base.paths },
        transfer: {
          concurrency: 1,
          partSize: 5 * 1024 * 1024,
          stallTimeoutMs: 30_000,
          timeoutMs: 0,
        },
        context,
        method: 'zstd',
        tempDir,
        tool: 'test',
        platform: 'linux',
      },
    );
    expect(result.status).toBe('saved');
    return result;
  };
  return { backend, layout, save };
}

describe('listEntries', () => {
  it('lists every scope and version, newest first, with decoded keys and archive sizes', async () => {
    const { backend, layout, save } = setup();
    await save('npm/a b');
    backend.tick(10);
    await save('npm-2', { ref: 'refs/pull/7/merge' });
    backend.tick(10);
    await save('shared', { scope: 'repository', paths: ['other'] });

    const entries = await listEntries(backend, layout);
    expect(entries.map((e) => [e.key, e.scope])).toEqual([
      ['shared', 'repository'],
      ['npm-2', 'refs/pull/7/merge'],
      ['npm/a b', 'refs/heads/main'],
    ]);
    for (const e of entries) {
      expect(e.problem).toBeUndefined();
      expect(e.archiveName).toBe(e.manifest!.archive);
      expect(e.size).toBe(backend.objects.get(e.archiveName!)!.data.length);
      expect(e.size).toBeGreaterThan(0);
      expect(e.version).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(entries[0]!.version).not.toBe(entries[1]!.version);
  });

  it('filters by exact key, key prefix and scope', async () => {
    const { backend, layout, save } = setup();
    await save('npm-1');
    await save('npm-12');
    await save('npm-1', { ref: 'refs/heads/dev' });
    await save('gradle-1');

    const keys = async (filter: Parameters<typeof listEntries>[2]) =>
      (await listEntries(backend, layout, filter)).map((e) => `${e.scope} ${e.key}`).sort();
    expect(await keys({ key: 'npm-1' })).toEqual(['refs/heads/dev npm-1', 'refs/heads/main npm-1']);
    expect(await keys({ keyPrefix: 'npm-' })).toEqual([
      'refs/heads/dev npm-1',
      'refs/heads/main npm-1',
      'refs/heads/main npm-12',
    ]);
    expect(await keys({ scope: 'refs/heads/main', keyPrefix: 'gr' })).toEqual([
      'refs/heads/main gradle-1',
    ]);
  });

  it('sees only its own repository', async () => {
    const { backend, save } = setup();
    await save('k');
    expect(await listEntries(backend, new Layout('ci', 'o', 'r2'))).toEqual([]);
    expect(await listEntries(backend, new Layout('', 'o', 'r'))).toEqual([]);
  });

  it('reports a tampered manifest or a missing archive instead of failing the listing', async () => {
    const { backend, layout, save } = setup();
    await save('good');
    await save('bad');
    await save('lost');
    const all = await listEntries(backend, layout);
    const bad = all.find((e) => e.key === 'bad')!;
    backend.objects.get(bad.manifestName)!.data = Buffer.from(
      '{"v":1,"archive":"../../elsewhere"}',
    );
    const lost = all.find((e) => e.key === 'lost')!;
    await backend.delete(lost.archiveName!);

    const again = await listEntries(backend, layout);
    const byKey = new Map(again.map((e) => [e.key, e]));
    expect(byKey.get('good')!.problem).toBeUndefined();
    expect(byKey.get('bad')!.problem).toMatch(/invalid manifest/);
    expect(byKey.get('bad')!.archiveName).toBeUndefined();
    expect(byKey.get('bad')!.size).toBe(0);
    expect(byKey.get('lost')!.problem).toBe('archive is missing');
  });

  it('fails when the store fails to read a manifest, rather than calling a sound entry broken', async () => {
    const { backend, layout, save } = setup();
    await save('k');
    backend.get = () => Promise.reject(new Error('connection reset'));
    await expect(listEntries(backend, layout)).rejects.toThrow('connection reset');
  });

  it('ignores objects the layout does not explain', async () => {
    const { backend, layout, save } = setup();
    await save('k');
    await backend.put('ci/o/r/README', Readable.from([Buffer.from('x')]));
    await backend.put('ci/o/r/ref-x/v/other/y', Readable.from([Buffer.from('x')]));
    await backend.put('ci/o/r/ref-%ZZ/v/keys/y', Readable.from([Buffer.from('x')]));
    expect((await listEntries(backend, layout)).map((e) => e.key)).toEqual(['k']);
  });
});

describe('deleteEntries', () => {
  it('removes the manifest before the archive, and only the selected entries', async () => {
    const { backend, layout, save } = setup();
    await save('a');
    await save('b');
    const [a] = await listEntries(backend, layout, { key: 'a' });
    backend.calls.length = 0;

    const outcome = await deleteEntries(backend, [a!]);
    expect(outcome.failed).toEqual([]);
    expect(backend.calls).toEqual([
      `delete ${a!.manifestName}`,
      `delete ${a!.archiveName}`,
      `delete ${a!.indexName}`,
    ]);
    expect((await listEntries(backend, layout)).map((e) => e.key)).toEqual(['b']);
  });

  it('changes nothing in a dry run', async () => {
    const { backend, layout, save } = setup();
    await save('a');
    const before = [...backend.objects.keys()];
    const outcome = await deleteEntries(backend, await listEntries(backend, layout), {
      dryRun: true,
    });
    expect(outcome.deleted.map((e) => e.key)).toEqual(['a']);
    expect([...backend.objects.keys()]).toEqual(before);
  });

  it('reports an entry it could not remove and carries on with the rest', async () => {
    const { backend, layout, save } = setup();
    await save('a');
    await save('b');
    const entries = await listEntries(backend, layout);
    const del = backend.delete.bind(backend);
    backend.delete = async (name) => {
      if (name === entries.find((e) => e.key === 'a')!.manifestName) throw new Error('denied');
      return del(name);
    };
    const outcome = await deleteEntries(backend, entries);
    expect(outcome.deleted.map((e) => e.key)).toEqual(['b']);
    expect(outcome.failed.map((f) => [f.entry.key, (f.error as Error).message])).toEqual([
      ['a', 'denied'],
    ]);
  });
});

describe('prune', () => {
  const now = (backend: MemoryBackend) => new Date(backend.now.getTime());

  it('--older-than removes entries whose manifest is older than the cutoff', async () => {
    const { backend, layout, save } = setup();
    await save('old');
    backend.tick(3 * 86_400);
    await save('new');
    backend.tick(86_400);

    const result = await prune(backend, layout, { olderThanMs: 2 * DAY }, now(backend));
    expect(result.removed.map((r) => [r.entry.key, r.reason])).toEqual([['old', 'older-than']]);
    expect(result.kept.map((e) => e.key)).toEqual(['new']);
    expect((await listEntries(backend, layout)).map((e) => e.key)).toEqual(['new']);
    expect(result.freedBytes).toBe(result.removed[0]!.entry.size);
  });

  it('--keep keeps the newest N of each scope and version, never one cache for another', async () => {
    const { backend, layout, save } = setup();
    for (const k of ['npm-1', 'npm-2', 'npm-3']) {
      await save(k);
      backend.tick(1);
    }
    await save('npm-1', { ref: 'refs/heads/dev' });
    backend.tick(1);
    // A different path list is a different version: a separate cache.
    await save('other-1', { paths: ['other'] });

    const result = await prune(backend, layout, { keep: 2 }, now(backend));
    expect(result.removed.map((r) => `${r.entry.scope} ${r.entry.key} ${r.reason}`)).toEqual([
      'refs/heads/main npm-1 keep',
    ]);
    expect((await listEntries(backend, layout)).map((e) => `${e.scope} ${e.key}`).sort()).toEqual([
      'refs/heads/dev npm-1',
      'refs/heads/main npm-2',
      'refs/heads/main npm-3',
      'refs/heads/main other-1',
    ]);
  });

  it('--max-size evicts the oldest until the rest fit the budget', async () => {
    const { backend, layout, save } = setup();
    for (const k of ['a', 'b', 'c', 'd']) {
      await save(k);
      backend.tick(1);
    }
    const size = (await listEntries(backend, layout))[0]!.size;
    const result = await prune(backend, layout, { maxSizeBytes: 2 * size }, now(backend));
    expect(result.removed.map((r) => [r.entry.key, r.reason])).toEqual([
      ['a', 'max-size'],
      ['b', 'max-size'],
    ]);
    expect((await listEntries(backend, layout)).map((e) => e.key)).toEqual(['d', 'c']);
  });

  it('combines rules: --max-size only counts what the other rules left', async () => {
    const { backend, layout, save } = setup();
    await save('ancient');
    backend.tick(10 * 86_400);
    for (const k of ['a', 'b', 'c']) {
      await save(k);
      backend.tick(1);
    }
    const size = (await listEntries(backend, layout))[0]!.size;
    const result = await prune(
      backend,
      layout,
      { olderThanMs: 7 * DAY, maxSizeBytes: 2 * size },
      now(backend),
    );
    expect(result.removed.map((r) => [r.entry.key, r.reason])).toEqual([
      ['ancient', 'older-than'],
      ['a', 'max-size'],
    ]);
  });

  it('removes orphan archives older than a day, keeps young ones (a save in flight)', async () => {
    const { backend, layout, save } = setup();
    await save('k');
    const [entry] = await listEntries(backend, layout);
    const folder = entry!.archiveName!.slice(0, entry!.archiveName!.lastIndexOf('/') + 1);
    await backend.put(`${folder}crashed.tar.zst`, Readable.from([Buffer.alloc(100)]));
    backend.tick(OrphanGraceMs / 1000 + 1);
    await backend.put(`${folder}in-flight.tar.zst`, Readable.from([Buffer.alloc(50)]));

    const result = await prune(backend, layout, {}, now(backend));
    expect(result.removed).toEqual([]);
    expect(result.orphans.map((o) => o.name)).toEqual([`${folder}crashed.tar.zst`]);
    expect(result.freedBytes).toBe(100);
    expect(backend.objects.has(`${folder}crashed.tar.zst`)).toBe(false);
    expect(backend.objects.has(`${folder}in-flight.tar.zst`)).toBe(true);
    expect(backend.objects.has(entry!.archiveName!)).toBe(true);
  });

  it('leaves archives beside an unreadable manifest alone: it may be the one that names them', async () => {
    const { backend, layout, save } = setup();
    await save('k');
    const [entry] = await listEntries(backend, layout);
    backend.objects.get(entry!.manifestName)!.data = Buffer.from('not json');
    backend.tick(2 * 86_400);
    const result = await prune(backend, layout, {}, now(backend));
    expect(result.orphans).toEqual([]);
    expect(backend.objects.has(entry!.archiveName!)).toBe(true);
  });

  it('honours --ref and --key filters; orphans only within the ref', async () => {
    const { backend, layout, save } = setup();
    await save('npm-1');
    await save('gradle-1');
    await save('npm-1', { ref: 'refs/heads/dev' });
    const dev = (await listEntries(backend, layout, { scope: 'refs/heads/dev' }))[0]!;
    const devFolder = dev.archiveName!.slice(0, dev.archiveName!.lastIndexOf('/') + 1);
    await backend.put(`${devFolder}orphan.tar.zst`, Readable.from([Buffer.alloc(1)]));
    backend.tick(2 * 86_400);

    const result = await prune(
      backend,
      layout,
      { olderThanMs: DAY, scope: 'refs/heads/main', keyPrefix: 'npm-' },
      now(backend),
    );
    expect(result.removed.map((r) => `${r.entry.scope} ${r.entry.key}`)).toEqual([
      'refs/heads/main npm-1',
    ]);
    expect(result.orphans).toEqual([]);
    expect((await listEntries(backend, layout)).map((e) => `${e.scope} ${e.key}`).sort()).toEqual([
      'refs/heads/dev npm-1',
      'refs/heads/main gradle-1',
    ]);
  });

  it('deletes nothing in a dry run but reports the same plan', async () => {
    const { backend, layout, save } = setup();
    await save('old');
    backend.tick(3 * 86_400);
    const before = [...backend.objects.keys()];
    const result = await prune(backend, layout, { olderThanMs: DAY, dryRun: true }, now(backend));
    expect(result.removed.map((r) => r.entry.key)).toEqual(['old']);
    expect([...backend.objects.keys()]).toEqual(before);
  });

  it('reports deletions that failed and does not count them as freed', async () => {
    const { backend, layout, save } = setup();
    await save('a');
    await save('b');
    backend.tick(3 * 86_400);
    const del = backend.delete.bind(backend);
    const entries = await listEntries(backend, layout);
    const aManifest = entries.find((e) => e.key === 'a')!.manifestName;
    backend.delete = async (name) => {
      if (name === aManifest) throw new Error('denied');
      return del(name);
    };
    const result = await prune(backend, layout, { olderThanMs: DAY }, now(backend));
    expect(result.failed.map((f) => f.name)).toEqual([aManifest]);
    expect(result.removed.map((r) => r.entry.key)).toEqual(['b']);
    expect(result.freedBytes).toBe(entries.find((e) => e.key === 'b')!.size);
  });
});
