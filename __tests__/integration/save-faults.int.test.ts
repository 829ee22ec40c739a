import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';

import { TarArchiver } from '../../src/archive/tar-archiver.js';
import { restoreCache } from '../../src/cache/restore-cache.js';
import { saveCache, type SaveResult } from '../../src/cache/save-cache.js';
import type { RunContext } from '../../src/context.js';
import type { CacheSettings, TransferSettings } from '../../src/settings.js';
import { AzureBackend } from '../../src/storage/azure-backend.js';
import type { Backend } from '../../src/storage/backend.js';
import { FsBackend } from '../../src/storage/fs-backend.js';
import { S3Backend } from '../../src/storage/s3-backend.js';
import { type Azurite, startAzurite } from '../helpers/azurite.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { cacheSettings, quiet, scratchDir, transferSettings } from '../helpers/fixtures.js';
import type { ProxyRequest } from '../helpers/s3-proxy.js';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.js';
import { s3Storage } from '../helpers/s3-storage.js';

// Save-side faults through the real SDKs: s3rver behind S3Proxy, Azurite behind FaultProxy.

let s3: S3TestServer;
let azurite: Azurite;
let azureProxy: FaultProxy;
const open: Backend[] = [];

beforeAll(async () => {
  [s3, azurite] = await Promise.all([startS3Server(), startAzurite()]);
  azureProxy = await FaultProxy.start(Number(new URL(azurite.endpoint).port));
});
afterEach(async () => {
  s3.proxy.reset();
  azureProxy.reset();
  await Promise.all(open.splice(0).map((b) => b.close()));
});
afterAll(async () => {
  await azureProxy?.close();
  await Promise.all([s3?.stop(), azurite?.stop()]);
});

const TRANSFER: TransferSettings = transferSettings({
  concurrency: 4,
  partSize: 5 * 1024 * 1024,
  stallTimeoutMs: 10_000,
});

interface Store {
  name: string;
  backend(transfer?: TransferSettings): Backend;
  /** Let the next manifest write reach the store, then lose its answer. */
  loseManifestAnswer(): void;
  /** Manifest writes the store received. */
  manifestWrites(): number;
}

const stores: Store[] = [
  {
    name: 's3',
    backend: (transfer = TRANSFER) => track(new S3Backend(s3Storage(s3), transfer)),
    loseManifestAnswer: () =>
      s3.proxy.inject((r) => r.method === 'PUT' && r.key.includes('/keys/'), {
        kind: 'lose-response',
      }),
    manifestWrites: () =>
      s3.proxy.requests.filter((r) => r.method === 'PUT' && r.key.includes('/keys/')).length,
  },
  {
    name: 'azure',
    backend: (transfer = TRANSFER) =>
      track(
        new AzureBackend(
          {
            kind: 'azure',
            container: azurite.container,
            accountName: azurite.accountName,
            accountKey: azurite.accountKey,
            endpoint: `${azureProxy.origin}/${azurite.accountName}`,
          },
          transfer,
          { retryDelayMs: 50 },
        ),
      ),
    loseManifestAnswer: () =>
      azureProxy.inject((r) => r.method === 'PUT' && r.url.includes('/keys/'), {
        kind: 'lose-response',
      }),
    manifestWrites: () =>
      azureProxy.requests.filter((r) => r.method === 'PUT' && r.url.includes('/keys/')).length,
  },
];

function track<T extends Backend>(b: T): T {
  open.push(b);
  return b;
}

let runs = 0;
/** A workspace with a few files, and save/restore of it under a key unique to the test. */
async function workspace(store: Store) {
  const ws = scratchDir('save-faults-ws-');
  const tempDir = scratchDir('save-faults-tmp-');
  await mkdir(path.join(ws, 'deps'));
  for (let i = 0; i < 5; i++) await writeFile(path.join(ws, 'deps', `f${i}`), `file ${i}\n`);
  const context: RunContext = {
    ci: 'github',
    workspace: ws,
    owner: 'o',
    repo: 'r',
    ref: 'refs/heads/main',
  };
  const cache = cacheSettings({
    key: `k-${store.name}-${++runs}`,
    paths: ['deps'],
    prefix: 'faults',
  });
  const deps = (backend: Backend) => ({
    backend,
    archiver: new TarArchiver({ logger: quiet }),
    logger: quiet,
  });
  const request = (c: Partial<CacheSettings>) => ({
    cache: { ...cache, ...c },
    transfer: TRANSFER,
    context,
    method: 'zstd' as const,
    tempDir,
  });
  return {
    ws,
    save: (backend = store.backend(), c: Partial<CacheSettings> = {}): Promise<SaveResult> =>
      saveCache(deps(backend), { ...request(c), tool: 'test' }),
    restore: (backend = store.backend()) => restoreCache(deps(backend), request({})),
    archives: async () =>
      (await store.backend().list(`faults/o/r/`)).filter((o) => o.name.includes('/archives/')),
    manifestPrefix: `faults/o/r/`,
  };
}

describe.each(stores)('$name: a manifest commit whose answer is lost', (store) => {
  test('the retry meets our own manifest: the save succeeds and the entry restores', async () => {
    const w = await workspace(store);
    const before = (await w.archives()).length;
    store.loseManifestAnswer();
    expect(await w.save()).toMatchObject({ status: 'saved' });
    // The store took the first write; the retry was refused as "already exists".
    expect(store.manifestWrites()).toBe(2);
    expect((await w.archives()).length).toBe(before + 1);
    await writeFile(path.join(w.ws, 'deps', 'f0'), 'changed');
    expect(await w.restore()).toMatchObject({ exact: true, restored: true });
    // A later save of the key skips: the entry is there and whole.
    expect(await w.save()).toMatchObject({ status: 'exists', reason: 'present' });
  });
});

/** Stores for the load case: every real backend. */
const loadStores = (): { name: string; backend: () => Backend }[] => [
  ...stores.map((s) => ({ name: s.name, backend: () => s.backend() })),
  { name: 'fs', backend: () => track(new FsBackend({ kind: 'fs', root: fsRoot })) },
];
let fsRoot: string;
beforeAll(() => {
  fsRoot = scratchDir('save-faults-fs-');
});

describe.each(loadStores())('$name: 20 concurrent saves of one key', (store) => {
  test.each([
    ['different', (i: number) => `writer ${i}\n`],
    ['the same', () => `writer 0\n`],
  ])(
    'with %s content: exactly one entry, byte-identical to one writer archive; the others skip',
    async (_label, content) => {
      const key = `load-${store.name}-${randomBytes(3).toString('hex')}`;
      const writers = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const ws = scratchDir('save-load-ws-');
          await mkdir(path.join(ws, 'deps'));
          await writeFile(path.join(ws, 'deps', 'who'), content(i));
          return ws;
        }),
      );
      const tempDir = scratchDir('save-load-tmp-');
      const cache = cacheSettings({ key, paths: ['deps'], prefix: 'load' });
      const context = (ws: string): RunContext => ({
        ci: 'github',
        workspace: ws,
        owner: 'o',
        repo: 'r',
        ref: 'refs/heads/main',
      });
      const archivesBefore = new Set(
        (await store.backend().list('load/o/r/'))
          .filter((o) => o.name.includes('/archives/'))
          .map((o) => o.name),
      );
      const results = await Promise.all(
        writers.map((ws) =>
          saveCache(
            {
              backend: store.backend(),
              archiver: new TarArchiver({ logger: quiet }),
              logger: quiet,
            },
            { cache, transfer: TRANSFER, context: context(ws), method: 'zstd', tempDir, tool: 't' },
          ),
        ),
      );
      expect(results.filter((r) => r.status === 'saved')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'exists')).toHaveLength(19);

      const b = store.backend();
      const objects = await b.list('load/o/r/');
      const mine = objects.filter((o) => o.name.includes(`/keys/${key}`));
      expect(mine).toHaveLength(1);
      const manifest = JSON.parse((await buffer(await b.get(mine[0]!.name))).toString()) as {
        archive: string;
        sha256: string;
        size: number;
      };
      // Only the winner's archive is left of this key's writers (the losers removed theirs),
      // and it is whole.
      const archives = objects.filter(
        (o) => o.name.includes('/archives/') && !archivesBefore.has(o.name),
      );
      expect(archives.map((o) => o.name)).toEqual([manifest.archive]);
      const bytes = await buffer(await b.get(manifest.archive));
      expect(bytes.length).toBe(manifest.size);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(manifest.sha256);
      // And it restores to exactly one writer's tree.
      const reader = scratchDir('save-load-read-');
      const r = await restoreCache(
        { backend: b, archiver: new TarArchiver({ logger: quiet }), logger: quiet },
        { cache, transfer: TRANSFER, context: context(reader), method: 'zstd', tempDir },
      );
      expect(r).toMatchObject({ exact: true, restored: true });
      expect(await readFile(path.join(reader, 'deps', 'who'), 'utf8')).toMatch(/^writer \d+\n$/);
    },
  );
});

describe('s3: faults during the upload', () => {
  const s3Store = stores[0]!;
  const isPart = (r: ProxyRequest) => r.method === 'PUT' && r.query.has('partNumber');
  const big = async (w: Awaited<ReturnType<typeof workspace>>) =>
    writeFile(path.join(w.ws, 'deps', 'big'), randomBytes(12 * 1024 * 1024));

  test('a connection reset mid-upload, every try: the save fails, nothing is visible, the multipart upload is aborted; the next save succeeds', async () => {
    const w = await workspace(s3Store);
    await big(w);
    s3.proxy.inject(isPart, { kind: 'drop', afterBytes: 0 }, Infinity);
    const before = (await w.archives()).length;
    await expect(w.save()).rejects.toThrow();
    expect((await w.archives()).length).toBe(before);
    expect(await s3.proxy.openUploads(s3.bucket)).toEqual([]);
    s3.proxy.reset();
    expect(await w.save()).toMatchObject({ status: 'saved' });
  });

  test('1 request in 10 answered 500 or 503: every save succeeds and restores', async () => {
    let n = 0;
    let served = 0;
    const every = (k: number, at: number) => () => (n % k === at ? (served++, true) : false);
    s3.proxy.inject(() => (n++, false), { kind: 'error', status: 500, code: 'x' }, Infinity);
    s3.proxy.inject(
      every(20, 0),
      { kind: 'error', status: 503, code: 'SlowDown', headers: { 'retry-after': '0' } },
      Infinity,
    );
    s3.proxy.inject(every(20, 10), { kind: 'error', status: 500, code: 'InternalError' }, Infinity);
    for (let i = 0; i < 4; i++) {
      const w = await workspace(s3Store);
      await big(w);
      expect(await w.save()).toMatchObject({ status: 'saved' });
      expect(await w.restore()).toMatchObject({ exact: true, restored: true });
    }
    expect(served).toBeGreaterThanOrEqual(2); // faults were really served
    expect(served / n).toBeLessThanOrEqual(0.12);
  });

  test('429 with Retry-After: the save waits and succeeds', async () => {
    const w = await workspace(s3Store);
    await big(w);
    s3.proxy.inject(
      isPart,
      { kind: 'error', status: 429, code: 'TooManyRequests', headers: { 'retry-after': '1' } },
      2,
    );
    const started = Date.now();
    expect(await w.save()).toMatchObject({ status: 'saved' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(s3.proxy.requests.filter(isPart).length).toBeGreaterThanOrEqual(5);
    expect(await w.restore()).toMatchObject({ exact: true, restored: true });
  });

  test('every request answered 503: the save gives up within its bounds, leaving nothing', async () => {
    const w = await workspace(s3Store);
    const before = (await w.archives()).length;
    s3.proxy.inject(() => true, { kind: 'error', status: 503, code: 'SlowDown' }, Infinity);
    const started = Date.now();
    await expect(w.save()).rejects.toThrow(/503|SlowDown|slow down/i);
    expect(Date.now() - started).toBeLessThan(30_000);
    s3.proxy.reset();
    expect((await w.archives()).length).toBe(before);
    expect(await s3.proxy.openUploads(s3.bucket)).toEqual([]);
  });
});

describe('azure: faults during the upload', () => {
  const azureStore = stores[1]!;
  const isBlock = (r: { method: string; url: string }) =>
    r.method === 'PUT' && r.url.includes('comp=block&');
  const big = async (w: Awaited<ReturnType<typeof workspace>>) =>
    writeFile(path.join(w.ws, 'deps', 'big'), randomBytes(12 * 1024 * 1024));

  test('a connection reset mid-upload, every try: the save fails, nothing is visible, the staged blocks are left for prune; the next save succeeds', async () => {
    const w = await workspace(azureStore);
    await big(w);
    // The first block is staged; every later one is cut off 64 KiB into its body.
    let blocks = 0;
    azureProxy.inject(
      (r) => isBlock(r) && ++blocks > 1,
      { kind: 'reset', afterBytes: 64 * 1024 },
      Infinity,
    );
    const before = (await w.archives()).length;
    const manifestsBefore = (await azureStore.backend().list(w.manifestPrefix)).filter((o) =>
      o.name.includes('/keys/'),
    );
    const leftBefore = new Set(
      (await azureStore.backend().listIncompleteUploads(w.manifestPrefix)).map((u) => u.id),
    );
    await expect(w.save()).rejects.toThrow();
    expect(azureProxy.requests.some((r) => r.url.includes('comp=blocklist'))).toBe(false);
    azureProxy.reset();
    expect((await w.archives()).length).toBe(before);
    expect(
      (await azureStore.backend().list(w.manifestPrefix)).filter((o) => o.name.includes('/keys/')),
    ).toEqual(manifestsBefore);
    // Blocks staged before the failure stay uncommitted: invisible to stat, list and get, and
    // what prune's incomplete-upload pass clears (the service itself drops them after a week).
    const b = azureStore.backend();
    const left = (await b.listIncompleteUploads(w.manifestPrefix)).filter(
      (u) => !leftBefore.has(u.id),
    );
    expect(left.every((u) => u.name?.includes('/archives/'))).toBe(true);
    for (const u of left) await b.abortIncompleteUpload(u);
    expect(await b.listIncompleteUploads(w.manifestPrefix)).toHaveLength(leftBefore.size);
    expect(await w.save()).toMatchObject({ status: 'saved' });
  });

  test('1 request in 10 answered 500 or 503: every save succeeds and restores', async () => {
    let n = 0;
    let served = 0;
    const every = (k: number, at: number) => () => (n % k === at ? (served++, true) : false);
    azureProxy.inject(() => (n++, false), { kind: 'error', status: 500 }, Infinity);
    azureProxy.inject(every(20, 3), { kind: 'error', status: 503, code: 'ServerBusy' }, Infinity);
    azureProxy.inject(
      every(20, 14),
      { kind: 'error', status: 500, code: 'InternalError' },
      Infinity,
    );
    for (let i = 0; i < 3; i++) {
      const w = await workspace(azureStore);
      await big(w);
      expect(await w.save()).toMatchObject({ status: 'saved' });
      expect(await w.restore()).toMatchObject({ exact: true, restored: true });
    }
    expect(served).toBeGreaterThanOrEqual(2); // faults were really served
    expect(served / n).toBeLessThanOrEqual(0.12);
  });

  test('429 with Retry-After: the save waits and succeeds', async () => {
    const w = await workspace(azureStore);
    await big(w);
    azureProxy.inject(
      isBlock,
      {
        kind: 'error',
        status: 429,
        code: 'ServerBusy',
        headers: { 'retry-after': '1' },
      },
      2,
    );
    const started = Date.now();
    expect(await w.save()).toMatchObject({ status: 'saved' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(await w.restore()).toMatchObject({ exact: true, restored: true });
  });

  test('every request answered 503: the save gives up within its bounds, leaving nothing', async () => {
    const w = await workspace(azureStore);
    await big(w);
    const before = (await w.archives()).length;
    const leftBefore = (await azureStore.backend().listIncompleteUploads(w.manifestPrefix)).length;
    azureProxy.inject(() => true, { kind: 'error', status: 503, code: 'ServerBusy' }, Infinity);
    const started = Date.now();
    await expect(w.save()).rejects.toThrow(/503|ServerBusy|busy/i);
    expect(Date.now() - started).toBeLessThan(30_000);
    azureProxy.reset();
    expect((await w.archives()).length).toBe(before);
    // Nothing reached the store, so not even uncommitted blocks are left.
    expect(await azureStore.backend().listIncompleteUploads(w.manifestPrefix)).toHaveLength(
      leftBefore,
    );
  });
});
