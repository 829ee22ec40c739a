import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

import { restoreCache } from '../../../src/cache/restore-cache.js';
import { saveCache } from '../../../src/cache/save-cache.js';
import type { UnusableEntry } from '../../../src/cache/unusable.js';
import type { RunContext } from '../../../src/context.js';
import { AlreadyExistsError } from '../../../src/errors.js';
import type { CacheSettings } from '../../../src/settings.js';
import { FakeArchiver } from '../../helpers/fake-archiver.js';
import { cacheSettings, quiet, scratchDir, transferSettings } from '../../helpers/fixtures.js';
import { MemoryBackend } from '../../helpers/memory-backend.js';

/** The manifest commit when its answer is lost: retries must never undo our own success. */
function setup() {
  const workspace = scratchDir('commit-ws-');
  mkdirSync(path.join(workspace, 'deps'));
  writeFileSync(path.join(workspace, 'deps', 'a.txt'), 'a');
  const tempDir = scratchDir('commit-tmp-');
  const context: RunContext = {
    ci: 'github',
    workspace,
    owner: 'o',
    repo: 'r',
    ref: 'refs/heads/main',
  };
  const backend = new MemoryBackend();
  const deps = { backend, archiver: new FakeArchiver(), logger: quiet };
  const request = (c: Partial<CacheSettings>) => ({
    cache: cacheSettings({ key: 'deps-v1', ...c }),
    transfer: transferSettings(),
    context,
    method: 'zstd' as const,
    tempDir,
  });
  const save = (c: Partial<CacheSettings> = {}, replaceUnusable?: UnusableEntry) =>
    saveCache(deps, { ...request(c), tool: 't', replaceUnusable });
  const restore = () => restoreCache(deps, request({}));
  const manifestName = 'o/r/ref-refs%2Fheads%2Fmain';
  const named = (part: string) => [...backend.objects.keys()].filter((n) => n.includes(part));
  const onManifest = (fn: (name: string) => void) => {
    const realPut = backend.put.bind(backend);
    backend.put = async (name, body, opts) => {
      if (name.includes('/keys/')) fn(name);
      return realPut(name, body, opts);
    };
  };
  return { backend, save, restore, named, onManifest, manifestName };
}

describe('a manifest commit whose answer was lost', () => {
  test('a retry meeting our own manifest (already exists) is a success, and the entry restores', async () => {
    const { backend, save, restore, named, onManifest } = setup();
    onManifest((name) => backend.loseResponseOnce.set(name, new AlreadyExistsError(name)));
    expect(await save()).toMatchObject({ status: 'saved', key: 'deps-v1' });
    expect(named('/archives/')).toHaveLength(1);
    expect(await restore()).toMatchObject({ exact: true, restored: true });
  });

  test('a put that gave up after committing is a success too', async () => {
    const { backend, save, restore, named, onManifest } = setup();
    onManifest((name) => backend.loseResponseOnce.set(name, new Error('socket hang up')));
    expect(await save()).toMatchObject({ status: 'saved' });
    expect(named('/archives/')).toHaveLength(1);
    expect(await restore()).toMatchObject({ exact: true, restored: true });
  });

  test('the same with overwrite: the old archive goes, ours stays', async () => {
    const { backend, save, restore, named, onManifest } = setup();
    await save();
    const [old] = named('/archives/');
    backend.tick();
    onManifest((name) => backend.loseResponseOnce.set(name, new Error('ECONNRESET')));
    expect(await save({ overwrite: true })).toMatchObject({ status: 'saved' });
    expect(named('/archives/')).toHaveLength(1);
    expect(named('/archives/')[0]).not.toBe(old);
    expect(await restore()).toMatchObject({ exact: true, restored: true });
  });

  test('already exists naming another archive is a lost race: ours is removed, the winner kept', async () => {
    const { backend, save, named, onManifest } = setup();
    await save();
    const [manifest] = named('/keys/');
    const winner = backend.objects.get(manifest!)!.data.toString();
    const realStat = backend.stat.bind(backend);
    backend.stat = async (name) => (name === manifest ? undefined : realStat(name));
    onManifest(() => {});
    expect(await save()).toMatchObject({ status: 'exists', reason: 'lost-race' });
    expect(backend.objects.get(manifest!)!.data.toString()).toBe(winner);
    expect(named('/archives/')).toHaveLength(1);
  });

  test('a manifest that cannot be read back keeps our archive: it may be committed', async () => {
    const { backend, save, named, onManifest } = setup();
    onManifest((name) => {
      backend.loseResponseOnce.set(name, new Error('503 Slow Down'));
      backend.failGets.add(name);
    });
    await expect(save()).rejects.toThrow(/503/);
    expect(named('/keys/')).toHaveLength(1);
    expect(named('/archives/')).toHaveLength(1);
  });

  test('a failed put with nothing stored removes our archive and reports the failure', async () => {
    const { backend, save, onManifest } = setup();
    onManifest((name) => backend.failPutOnce.add(name));
    await expect(save()).rejects.toThrow(/injected put failure/);
    expect(backend.objects.size).toBe(0);
  });
});

describe('replacing an entry a restore found unusable', () => {
  /** Save once, then truncate the archive, as a restore would find it (and refuse it). */
  async function badEntry(t: ReturnType<typeof setup>) {
    await t.save();
    const [manifestName] = t.named('/keys/');
    const [archive] = t.named('/archives/');
    await t.backend.put(archive!, Readable.from([Buffer.from('trunc')]));
    await expect(t.restore()).rejects.toThrow();
    const etag = (await t.backend.stat(manifestName!))!.etag!;
    return { manifestName: manifestName!, etag };
  }

  test('without the hand-over the key stays blocked: the save skips', async () => {
    const t = setup();
    await badEntry(t);
    expect(await t.save()).toMatchObject({ status: 'exists', reason: 'present' });
  });

  test('the next save replaces it conditionally on its etag, and the key restores again', async () => {
    const t = setup();
    const unusable = await badEntry(t);
    const puts: string[] = [];
    const realPut = t.backend.put.bind(t.backend);
    t.backend.put = async (name, body, opts) => {
      if (name.includes('/keys/')) puts.push(JSON.stringify(opts));
      return realPut(name, body, opts);
    };
    expect(await t.save({}, unusable)).toMatchObject({ status: 'saved' });
    expect(puts).toEqual([expect.stringContaining(`"ifMatch":${JSON.stringify(unusable.etag)}`)]);
    expect(await t.restore()).toMatchObject({ exact: true, restored: true });
    // The bad entry's archive went with it: one archive, the new one.
    expect(t.named('/archives/')).toHaveLength(1);
  });

  test('a good entry a concurrent job committed first is never overwritten', async () => {
    const t = setup();
    const unusable = await badEntry(t);
    const good = Buffer.from('{"a good manifest from another job":true}');
    const realPut = t.backend.put.bind(t.backend);
    t.backend.put = async (name, body, opts) => {
      if (name === unusable.manifestName && opts?.ifMatch) {
        // The other job's replace lands between our stat and our commit.
        await realPut(name, Readable.from([good]));
      }
      return realPut(name, body, opts);
    };
    expect(await t.save({}, unusable)).toMatchObject({ status: 'exists', reason: 'lost-race' });
    expect(t.backend.objects.get(unusable.manifestName)!.data).toEqual(good);
  });

  test('an entry replaced before this save looked is left alone', async () => {
    const t = setup();
    const unusable = await badEntry(t);
    await t.backend.put(unusable.manifestName, Readable.from([Buffer.from('{"fixed":1}')]));
    expect(await t.save({}, unusable)).toMatchObject({ status: 'exists', reason: 'present' });
    expect(t.backend.objects.get(unusable.manifestName)!.data.toString()).toBe('{"fixed":1}');
  });

  test('a record for another key is ignored', async () => {
    const t = setup();
    const unusable = await badEntry(t);
    const other = { ...unusable, manifestName: unusable.manifestName.replace(/deps-v1$/, 'other') };
    expect(await t.save({}, other)).toMatchObject({ status: 'exists', reason: 'present' });
  });
});
