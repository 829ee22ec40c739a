import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

import { deleteEntries, listEntries, OrphanGraceMs } from '../../../src/cache/catalog.js';
import { Layout } from '../../../src/cache/layout.js';
import { prune } from '../../../src/cache/prune.js';
import { saveCache } from '../../../src/cache/save-cache.js';
import { recordUse, usageMarkerName } from '../../../src/cache/usage.js';
import { FakeArchiver } from '../../helpers/fake-archiver.js';
import { cacheSettings, quiet, scratchDir, transferSettings } from '../../helpers/fixtures.js';
import { MemoryBackend } from '../../helpers/memory-backend.js';

const DAY = 86_400_000;

/** A store filled through the real save flow, with a clock the test moves (backend.tick). */
function setup() {
  const workspace = scratchDir('prune-ws-');
  mkdirSync(path.join(workspace, 'deps'));
  writeFileSync(path.join(workspace, 'deps', 'a.txt'), 'a');
  const tempDir = scratchDir('prune-tmp-');
  const backend = new MemoryBackend();
  const save = async (key: string, repo = 'o/r', ref = 'refs/heads/main') => {
    const [owner, name] = repo.split('/') as [string, string];
    const result = await saveCache(
      { backend, archiver: new FakeArchiver(), logger: quiet },
      {
        cache: { ...cacheSettings({ prefix: 'ci' }), key },
        transfer: transferSettings(),
        context: { ci: 'local', workspace, owner, repo: name, ref },
        method: 'zstd',
        tempDir,
        tool: 'test',
        platform: 'linux',
      },
    );
    expect(result.status).toBe('saved');
  };
  const entry = async (key: string, repo = 'o/r') => {
    const [owner, name] = repo.split('/') as [string, string];
    const found = (await listEntries(backend, new Layout('ci', owner, name))).find(
      (e) => e.key === key,
    );
    if (!found) throw new Error(`no entry ${key} in ${repo}`);
    return found;
  };
  /** A restore of `key` now, as the restore flow records it. */
  const use = async (key: string, repo = 'o/r') =>
    expect(
      await recordUse(backend, (await entry(key, repo)).manifestName, { now: () => backend.now }),
    ).toBe('recorded');
  const now = () => new Date(backend.now.getTime());
  const keys = async (repo = 'o/r') => {
    const [owner, name] = repo.split('/') as [string, string];
    return (await listEntries(backend, new Layout('ci', owner, name))).map((e) => e.key).sort();
  };
  return { backend, save, entry, use, now, keys, layout: new Layout('ci', 'o', 'r') };
}

describe('prune by last use', () => {
  it('--unused-for keeps an old entry that is still restored and drops a young one nobody used', async () => {
    const { backend, save, use, now, keys, layout } = setup();
    await save('old-but-used');
    backend.tick(5 * 86_400);
    await save('young-unused');
    backend.tick(20 * 86_400);
    await use('old-but-used');
    backend.tick(2 * 86_400);

    const result = await prune(backend, layout, { unusedForMs: 14 * DAY }, now());
    expect(result.removed.map((r) => [r.entry.key, r.reason])).toEqual([
      ['young-unused', 'unused-for'],
    ]);
    expect(await keys()).toEqual(['old-but-used']);
    // By creation date alone, the used one would have gone first.
    const byAge = await prune(backend, layout, { olderThanMs: 14 * DAY, dryRun: true }, now());
    expect(byAge.removed.map((r) => r.entry.key)).toEqual(['old-but-used']);
  });

  it('reports last use from the marker, and the save time when there is none', async () => {
    const { backend, save, use, entry } = setup();
    await save('k');
    await save('never');
    const saved = (await entry('k')).lastModified;
    backend.tick(3 * 86_400);
    await use('k');
    expect((await entry('k')).lastUsed).toEqual(backend.now);
    expect((await entry('k')).lastModified).toEqual(saved);
    expect((await entry('k')).usageMarker).toBe(usageMarkerName((await entry('k')).manifestName));
    expect((await entry('never')).lastUsed).toEqual((await entry('never')).lastModified);
  });

  it('--max-size evicts the least recently used first, not the oldest saved', async () => {
    const { backend, save, use, now, entry, keys, layout } = setup();
    for (const k of ['a', 'b', 'c', 'd']) {
      await save(k);
      backend.tick(60);
    }
    await use('a'); // the oldest save, restored most recently
    backend.tick(60);
    const size = (await entry('a')).size;
    const result = await prune(backend, layout, { maxSizeBytes: 2 * size }, now());
    expect(result.removed.map((r) => [r.entry.key, r.reason])).toEqual([
      ['b', 'max-size'],
      ['c', 'max-size'],
    ]);
    expect(await keys()).toEqual(['a', 'd']);
  });

  it('deleting an entry deletes its marker too', async () => {
    const { backend, save, use, entry } = setup();
    await save('k');
    await use('k');
    const e = await entry('k');
    await deleteEntries(backend, [e]);
    expect(backend.objects.has(e.usageMarker!)).toBe(false);
    expect([...backend.objects.keys()]).toEqual([]);
  });

  it('removes markers whose entry is gone once they are past the grace period', async () => {
    const { backend, save, use, entry, now, layout } = setup();
    await save('k');
    await use('k');
    const e = await entry('k');
    await backend.delete(e.manifestName); // deleted by an older version, or raced by a restore
    await backend.delete(e.archiveName!);
    const young = await prune(backend, layout, {}, now());
    expect(young.staleMarkers).toEqual([]);
    backend.tick(OrphanGraceMs / 1000 + 1);
    const result = await prune(backend, layout, {}, now());
    // The entry's key index goes the same way.
    expect(result.staleMarkers.map((m) => m.name)).toEqual([e.usageMarker, e.indexName]);
    expect(backend.objects.size).toBe(0);
  });
});

describe('prune across every repository under the prefix', () => {
  it('applies the rules to every repository, with one size budget for them all', async () => {
    const { backend, save, use, now, entry, keys } = setup();
    await save('a1', 'o/app');
    backend.tick(60);
    await save('b1', 'other/lib');
    backend.tick(60);
    await save('c1', 'group%sub/tool');
    backend.tick(60);
    await use('a1', 'o/app');
    const size = (await entry('a1', 'o/app')).size;

    const result = await prune(backend, { prefix: 'ci' }, { maxSizeBytes: 2 * size }, now());
    expect(result.removed.map((r) => [r.entry.repository, r.entry.key, r.reason])).toEqual([
      ['other/lib', 'b1', 'max-size'],
    ]);
    expect(result.kept.map((e) => `${e.repository} ${e.key}`).sort()).toEqual([
      'group%sub/tool c1',
      'o/app a1',
    ]);
    expect(await keys('other/lib')).toEqual([]);
    expect(await keys('o/app')).toEqual(['a1']);
  });

  it('--keep counts per repository; one repository is pruned alone when named', async () => {
    const { backend, save, now, keys } = setup();
    for (const k of ['x1', 'x2', 'x3']) {
      await save(k, 'o/one');
      await save(k, 'o/two');
      backend.tick(60);
    }
    const one = await prune(backend, new Layout('ci', 'o', 'one'), { keep: 1 }, now());
    expect(one.removed.map((r) => `${r.entry.repository} ${r.entry.key}`)).toEqual([
      'o/one x1',
      'o/one x2',
    ]);
    expect(await keys('o/two')).toEqual(['x1', 'x2', 'x3']);
    const all = await prune(backend, { prefix: 'ci' }, { keep: 2 }, now());
    expect(all.removed.map((r) => `${r.entry.repository} ${r.entry.key}`)).toEqual(['o/two x1']);
  });

  it('never touches what it does not recognise under the prefix, nor outside it', async () => {
    const { backend, save, now } = setup();
    await save('k', 'o/r');
    const version = (await listEntries(backend, new Layout('ci', 'o', 'r')))[0]!.version;
    const foreign = [
      'ci/readme.txt',
      'ci/o/r/notes/x/archives/y.tar', // not a scope
      'ci/o/r/ref-main/not-a-version/archives/y.tar', // not a version hash
      `ci/o/r/ref-main/${version}/other/y.tar`, // not one of our folders
      `elsewhere/o/r/ref-main/${version}/archives/y.tar`, // outside the prefix
    ];
    for (const name of foreign) await backend.put(name, Readable.from([Buffer.from('x')]));
    backend.tick(30 * 86_400);
    const result = await prune(backend, { prefix: 'ci' }, { unusedForMs: DAY }, now());
    expect(result.removed.map((r) => r.entry.key)).toEqual(['k']);
    expect(result.orphans).toEqual([]);
    expect([...backend.objects.keys()].sort()).toEqual([...foreign].sort());
  });

  it('prunes a whole store without a prefix', async () => {
    const { backend, now } = setup();
    const workspace = scratchDir('prune-np-');
    mkdirSync(path.join(workspace, 'deps'));
    writeFileSync(path.join(workspace, 'deps', 'a.txt'), 'a');
    await saveCache(
      { backend, archiver: new FakeArchiver(), logger: quiet },
      {
        cache: { ...cacheSettings({ prefix: '' }), key: 'np' },
        transfer: transferSettings(),
        context: { ci: 'local', workspace, owner: 'o', repo: 'r', ref: 'refs/heads/main' },
        method: 'zstd',
        tempDir: scratchDir('prune-np-tmp-'),
        tool: 'test',
        platform: 'linux',
      },
    );
    backend.tick(10 * 86_400);
    const result = await prune(backend, { prefix: '' }, { olderThanMs: DAY }, now());
    expect(result.removed.map((r) => `${r.entry.repository} ${r.entry.key}`)).toEqual(['o/r np']);
    expect(backend.objects.size).toBe(0);
  });
});

describe('prune: unfinished uploads', () => {
  it('aborts uploads older than the grace period, in any repository, and leaves young ones', async () => {
    const { backend, save, entry, now } = setup();
    await save('k');
    const folder = (await entry('k')).archiveName!.replace(/[^/]+$/, '');
    const other = folder.replace('/o/r/', '/o/other/');
    const dead = backend.abandonUpload(`${folder}dead.tar.zst`);
    const deadElsewhere = backend.abandonUpload(`${other}dead.tar.zst`);
    const foreign = backend.abandonUpload('ci/o/r/somebody-elses-upload.bin');
    backend.tick(OrphanGraceMs / 1000 + 60);
    const young = backend.abandonUpload(`${folder}running.tar.zst`);

    const dry = await prune(backend, { prefix: 'ci' }, { dryRun: true }, now());
    expect(dry.uploads.map((u) => u.name).sort()).toEqual([dead.name, deadElsewhere.name].sort());
    expect(backend.uploads.size).toBe(4);

    const own = await prune(backend, new Layout('ci', 'o', 'r'), {}, now());
    expect(own.uploads.map((u) => u.name)).toEqual([dead.name]);
    expect([...backend.uploads.values()]).toEqual([deadElsewhere, foreign, young]);
    const all = await prune(backend, { prefix: 'ci' }, { graceMs: 0 }, now());
    expect(all.uploads.map((u) => u.name).sort()).toEqual([deadElsewhere.name].sort());
    expect([...backend.uploads.values()]).toEqual([foreign, young]);
  });

  it('follows --ref for uploads too; a failed abort is reported and the rest go on', async () => {
    const { backend, save, entry, now, layout } = setup();
    await save('k');
    const folder = (await entry('k')).archiveName!.replace(/[^/]+$/, '');
    const devFolder = folder.replace('ref-refs%2Fheads%2Fmain', 'ref-refs%2Fheads%2Fdev');
    const main = backend.abandonUpload(`${folder}a.tar.zst`);
    const dev = backend.abandonUpload(`${devFolder}b.tar.zst`);
    backend.tick(2 * 86_400);
    const result = await prune(backend, layout, { scope: 'refs/heads/dev', dryRun: true }, now());
    expect(result.uploads).toEqual([dev]);

    backend.abortIncompleteUpload = () => Promise.reject(new Error('denied'));
    const failed = await prune(backend, layout, {}, now());
    expect(failed.uploads).toEqual([]);
    expect(failed.failed.map((f) => f.name).sort()).toEqual([main.name, dev.name].sort());
  });
});

describe('prune: a store that may not list uploads', () => {
  it('still evicts entries, and reports the upload listing as failed', async () => {
    const { backend, save, now, keys, layout } = setup();
    await save('old');
    backend.tick(30 * 86_400);
    backend.listIncompleteUploads = () => Promise.reject(new Error('AccessDenied'));
    const result = await prune(backend, layout, { unusedForMs: DAY }, now());
    expect(result.removed.map((r) => r.entry.key)).toEqual(['old']);
    expect(await keys()).toEqual([]);
    expect(result.failed).toEqual([
      { name: 'unfinished uploads under ci/o/r/', error: new Error('AccessDenied') },
    ]);
  });
});
