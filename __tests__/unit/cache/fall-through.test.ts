import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';

import { MaxCandidates } from '../../../src/cache/fall-through.js';
import { Layout, type ScopeName } from '../../../src/cache/layout.js';
import { resolveCandidates } from '../../../src/cache/resolve-key.js';
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
import { cacheSettings, transferSettings } from '../../helpers/fixtures.js';
import { MemoryBackend } from '../../helpers/memory-backend.js';

// A restore that meets a bad entry takes the next match instead of ending (issue 9, item 2).

const transfer = transferSettings({ concurrency: 2, stallTimeoutMs: 30_000 });

function setup() {
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'fall-ws-'));
  mkdirSync(path.join(workspace, 'deps'));
  writeFileSync(path.join(workspace, 'deps', 'a.txt'), 'a');
  const tempDir = mkdtempSync(path.join(os.tmpdir(), 'fall-tmp-'));
  const context: RunContext = {
    ci: 'github',
    workspace,
    owner: 'o',
    repo: 'r',
    ref: 'refs/heads/main',
  };
  const backend = new MemoryBackend();
  const archiver = new FakeArchiver();
  const warnings: string[] = [];
  const logger = { info: () => {}, debug: () => {}, warning: (m: string) => warnings.push(m) };
  const deps: CacheDeps = { backend, archiver, logger };
  const base = cacheSettings({ key: 'deps-v9', restoreKeys: ['deps-'], prefix: 'ci' });
  const req = (
    c: Partial<CacheSettings>,
    ctx: Partial<RunContext> = {},
    xfer: TransferSettings = transfer,
    signal?: AbortSignal,
  ) => ({
    cache: { ...base, ...c },
    transfer: xfer,
    context: { ...context, ...ctx },
    method: 'zstd' as const,
    tempDir,
    signal,
  });
  /** Saves `key`, one second newer than the last. */
  const save = async (key: string, ctx: Partial<RunContext> = {}) => {
    backend.tick();
    await saveCache(deps, { ...req({ key }, ctx), tool: 'test' });
  };
  const restore = (
    c: Partial<CacheSettings> = {},
    ctx: Partial<RunContext> = {},
    xfer: TransferSettings = transfer,
    signal?: AbortSignal,
  ) => restoreCache(deps, req(c, ctx, xfer, signal));
  const manifestOf = (key: string) =>
    [...backend.objects.keys()].find((n) => n.endsWith(`/keys/${key}`))!;
  const archiveOf = (key: string) =>
    (JSON.parse(backend.objects.get(manifestOf(key))!.data.toString()) as { archive: string })
      .archive;
  const corrupt = (key: string) => {
    const o = backend.objects.get(archiveOf(key))!;
    o.data = Buffer.from(o.data.toString().replace('deps', 'dEps'));
  };
  const gets = () => backend.calls.filter((c) => c.startsWith('get ') && c.includes('/archives/'));
  return { backend, archiver, warnings, save, restore, manifestOf, archiveOf, corrupt, gets };
}

describe('restore falls through a bad entry', () => {
  test('newest match corrupt: the next-newest of the same prefix restores, with one warning', async () => {
    const t = setup();
    await t.save('deps-1');
    await t.save('deps-2');
    t.corrupt('deps-2');
    const r = await t.restore();
    expect(r).toMatchObject({ matchedKey: 'deps-1', exact: false, restored: true });
    expect(r.unusable).toBeUndefined();
    expect(t.archiver.extracted).toHaveLength(1);
    expect(t.warnings).toHaveLength(1);
    expect(t.warnings[0]).toMatch(/key deps-2 \(refs\/heads\/main\) is unusable: .*sha256/);
  });

  test('a truncated, an archive-less and a bad-manifest entry are each passed over', async () => {
    const t = setup();
    await t.save('deps-1');
    await t.save('deps-2');
    await t.save('deps-3');
    await t.save('deps-4');
    const a = t.backend.objects.get(t.archiveOf('deps-4'))!;
    a.data = a.data.subarray(0, 2);
    t.backend.objects.delete(t.archiveOf('deps-3'));
    t.backend.objects.get(t.manifestOf('deps-2'))!.data = Buffer.from('not json');
    // Three bad ones use up the tries: deps-1 is never reached.
    const err = await t.restore().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeArchiveError);
    expect((err as Error).message).toMatch(/deps-2 .*bad manifest.*3 matching entries tried/);
    expect(t.warnings).toEqual([
      expect.stringMatching(/deps-4 .* is 2 bytes but its manifest says/),
      expect.stringMatching(/deps-3 .*object not found/),
    ]);
    expect(t.gets()).toHaveLength(2); // deps-4's and deps-3's; deps-1's archive was never read
    expect(t.archiver.extracted).toHaveLength(0);
    expect(MaxCandidates).toBe(3);
    // With one of them repaired (removed), the same restore reaches deps-1.
    t.backend.objects.delete(t.manifestOf('deps-2'));
    expect(await t.restore()).toMatchObject({ matchedKey: 'deps-1', restored: true });
  });

  test('the next restore key is tried after the first one runs out', async () => {
    const t = setup();
    await t.save('other-1');
    await t.save('deps-1');
    t.corrupt('deps-1');
    const r = await t.restore({ restoreKeys: ['deps-', 'other-'] });
    expect(r).toMatchObject({ matchedKey: 'other-1', restored: true });
    expect(t.warnings).toEqual([expect.stringMatching(/key deps-1 .*unusable/)]);
  });

  test("the primary key's own entry refused, an older match restored: outputs describe the restored one, the bad one is handed over", async () => {
    const t = setup();
    await t.save('deps-1');
    await t.save('deps-v9');
    t.corrupt('deps-v9');
    const r = await t.restore();
    expect(r).toMatchObject({ matchedKey: 'deps-1', exact: false, restored: true });
    const bad = t.manifestOf('deps-v9');
    expect(r.unusable).toEqual({ manifestName: bad, etag: (await t.backend.stat(bad))!.etag });
    expect(r.size).toBe(t.backend.objects.get(t.archiveOf('deps-1'))!.data.length);
  });

  test('every candidate refused with the own entry among them: the error carries the hand-over', async () => {
    const t = setup();
    await t.save('deps-v9');
    await t.save('deps-1');
    t.corrupt('deps-v9');
    t.corrupt('deps-1');
    const err = await t.restore().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnusableEntryError);
    expect((err as UnusableEntryError).entry.manifestName).toBe(t.manifestOf('deps-v9'));
    expect(t.warnings).toEqual([expect.stringMatching(/key deps-v9 .*unusable/)]);
  });

  test('a storage failure does not fall through: the next match is never tried', async () => {
    const t = setup();
    await t.save('deps-1');
    await t.save('deps-2');
    const realGet = t.backend.get.bind(t.backend);
    t.backend.get = async (name, opts) => {
      if (name === t.archiveOf('deps-2')) throw new StorageError('503 Slow Down', 'retry later');
      return realGet(name, opts);
    };
    await expect(t.restore()).rejects.toThrow(StorageError);
    expect(t.gets()).toHaveLength(0);
    expect(t.warnings).toEqual([]);
    expect(t.archiver.started).toHaveLength(1);
  });

  test('a timeout does not fall through', async () => {
    const t = setup();
    await t.save('deps-1');
    await t.save('deps-2');
    t.archiver.stageHangs = true;
    await expect(t.restore({}, {}, { ...transfer, stallTimeoutMs: 200 })).rejects.toThrow(
      TimeoutError,
    );
    expect(t.archiver.started).toHaveLength(1);
    expect(t.warnings).toEqual([]);
  });

  test('cancellation does not fall through', async () => {
    const t = setup();
    await t.save('deps-1');
    await t.save('deps-2');
    t.archiver.stageHangs = true;
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('cancelled by SIGTERM')), 50);
    await expect(t.restore({}, {}, transfer, ac.signal)).rejects.toThrow(/SIGTERM/);
    expect(t.archiver.started).toHaveLength(1);
    expect(t.warnings).toEqual([]);
  });

  test('lookup-only passes over a bad manifest too, downloading nothing', async () => {
    const t = setup();
    await t.save('deps-1');
    await t.save('deps-2');
    t.backend.objects.get(t.manifestOf('deps-2'))!.data = Buffer.from('{}');
    expect(await t.restore({ lookupOnly: true })).toMatchObject({
      matchedKey: 'deps-1',
      restored: false,
    });
    expect(t.gets()).toHaveLength(0);
    expect(t.warnings).toHaveLength(1);
  });
});

describe('resolveCandidates', () => {
  const layout = new Layout('', 'o', 'r');
  const v = 'a'.repeat(64);
  const g = 'b'.repeat(64);
  const pr: ScopeName = { kind: 'ref', ref: 'refs/pull/7/merge' };
  const main: ScopeName = { kind: 'ref', ref: 'refs/heads/main' };
  const req = (primaryKey: string, restoreKeys: string[]) => ({
    layout,
    versions: [
      { version: v, method: 'zstd' as const },
      { version: g, method: 'gzip' as const },
    ],
    primaryKey,
    restoreKeys,
    scopes: [pr, main],
  });
  async function seed(b: MemoryBackend, scope: ScopeName, key: string, version = v) {
    b.tick();
    await b.put(layout.manifestName(scope, version, key), Readable.from([Buffer.from('{}')]));
  }
  async function all(b: MemoryBackend, r: ReturnType<typeof req>) {
    const out: string[] = [];
    for await (const m of resolveCandidates(b, r))
      out.push(`${m.key}@${m.method}@${m.scope.kind === 'ref' ? m.scope.ref : 'repo'}`);
    return out;
  }

  test('exact first, then each prefix newest first, versions in order, then later scopes; each entry once', async () => {
    const b = new MemoryBackend();
    await seed(b, main, 'npm-a-1');
    await seed(b, pr, 'npm-a-1');
    await seed(b, pr, 'npm-a-2', g);
    await seed(b, pr, 'npm-a-3');
    await seed(b, pr, 'npm-b');
    await seed(b, pr, 'npm-a'); // the exact key, also in every prefix's listing
    expect(await all(b, req('npm-a', ['npm-a-', 'npm-']))).toEqual([
      'npm-a@zstd@refs/pull/7/merge',
      'npm-a-3@zstd@refs/pull/7/merge',
      'npm-a-1@zstd@refs/pull/7/merge',
      'npm-a-2@gzip@refs/pull/7/merge',
      'npm-b@zstd@refs/pull/7/merge',
      'npm-a-1@zstd@refs/heads/main',
    ]);
  });

  test('the common case costs no extra round trip: every candidate of a scope comes from one listing', async () => {
    const b = new MemoryBackend();
    for (let i = 0; i < 4; i++) await seed(b, pr, `npm-${i}`);
    b.calls.length = 0;
    const it = resolveCandidates(b, req('npm-x', ['npm-']));
    for (let i = 0; i < 3; i++) await it.next();
    await it.return();
    expect(b.calls.filter((c) => c.startsWith('list') || c.startsWith('stat'))).toHaveLength(
      // one stat per version and one covering listing per version, per scope, all sent at once
      2 * 2 + 2 * 2,
    );
  });
});
