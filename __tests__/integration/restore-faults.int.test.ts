import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { TarArchiver } from '../../src/archive/tar-archiver.js';
import { restoreCache } from '../../src/cache/restore-cache.js';
import { saveCache } from '../../src/cache/save-cache.js';
import type { RunContext } from '../../src/context.js';
import { TimeoutError, UnsafeArchiveError } from '../../src/errors.js';
import type { TransferSettings } from '../../src/settings.js';
import { AzureBackend } from '../../src/storage/azure-backend.js';
import type { Backend } from '../../src/storage/backend.js';
import { S3Backend } from '../../src/storage/s3-backend.js';
import { type Azurite, startAzurite } from '../helpers/azurite.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { cacheSettings, quiet, scratchDir, transferSettings } from '../helpers/fixtures.js';
import { snapshot } from '../helpers/restore-harness.js';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.js';
import { s3Storage } from '../helpers/s3-storage.js';

// Download faults through the real SDKs, real tar and zstd (issue 9, item 8): a connection reset
// mid-download is retried within the budget, otherwise the restore is a miss that leaves the
// paths untouched; a store answering nothing but 5xx is a miss within the deadline.

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
  /** Apply to archive reads: cut the response after `afterBytes`, `times` times. */
  dropArchiveReads(afterBytes: number, times: number): void;
  /** Answer every request with 503. */
  failEverything(): void;
  /** Archive reads the store was sent. */
  archiveReads(): number;
  /** Invert one byte of the next archive read's body. */
  flipArchiveRead(atByte: number): void;
  /** Archive reads answer their headers and `afterBytes` of the body, then go silent. */
  stallArchiveReads(afterBytes: number): void;
}

const stores: Store[] = [
  {
    name: 's3',
    backend: (transfer = TRANSFER) => track(new S3Backend(s3Storage(s3), transfer)),
    dropArchiveReads: (afterBytes, times) =>
      s3.proxy.inject(
        (r) => r.method === 'GET' && r.key.includes('/archives/'),
        { kind: 'drop', afterBytes },
        times,
      ),
    failEverything: () =>
      s3.proxy.inject(() => true, { kind: 'error', status: 503, code: 'SlowDown' }, Infinity),
    archiveReads: () =>
      s3.proxy.requests.filter((r) => r.method === 'GET' && r.key.includes('/archives/')).length,
    flipArchiveRead: (atByte) =>
      s3.proxy.inject((r) => r.method === 'GET' && r.key.includes('/archives/'), {
        kind: 'flip',
        atByte,
      }),
    stallArchiveReads: (afterBytes) =>
      s3.proxy.inject(
        (r) => r.method === 'GET' && r.key.includes('/archives/'),
        { kind: 'stall', afterBytes },
        Infinity,
      ),
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
    dropArchiveReads: (afterBytes, times) =>
      azureProxy.inject(
        (r) => r.method === 'GET' && r.url.includes('/archives/'),
        { kind: 'drop', afterBytes },
        times,
      ),
    failEverything: () =>
      azureProxy.inject(() => true, { kind: 'error', status: 503, code: 'ServerBusy' }, Infinity),
    archiveReads: () =>
      azureProxy.requests.filter((r) => r.method === 'GET' && r.url.includes('/archives/')).length,
    flipArchiveRead: (atByte) =>
      azureProxy.inject((r) => r.method === 'GET' && r.url.includes('/archives/'), {
        kind: 'flip',
        atByte,
      }),
    stallArchiveReads: (afterBytes) =>
      azureProxy.inject(
        (r) => r.method === 'GET' && r.url.includes('/archives/'),
        { kind: 'stall', afterBytes },
        Infinity,
      ),
  },
];

function track<T extends Backend>(b: T): T {
  open.push(b);
  return b;
}

let runs = 0;
/** An entry of 12 MiB (three ranges) saved under a fresh key, and a restore of it. */
async function entry(store: Store) {
  const saved = scratchDir('restore-faults-ws-');
  await mkdir(path.join(saved, 'deps'));
  const big = randomBytes(12 * 1024 * 1024);
  await writeFile(path.join(saved, 'deps', 'big'), big);
  const context = (workspace: string): RunContext => ({
    ci: 'github',
    workspace,
    owner: 'o',
    repo: 'r',
    ref: 'refs/heads/main',
  });
  const cache = cacheSettings({ key: `k-${store.name}-${++runs}`, paths: ['deps'], prefix: 'rf' });
  const deps = (transfer = TRANSFER) => ({
    backend: store.backend(transfer),
    archiver: new TarArchiver({ logger: quiet }),
    logger: quiet,
  });
  const tempDir = scratchDir('restore-faults-tmp-');
  const result = await saveCache(deps(), {
    cache,
    transfer: TRANSFER,
    context: context(saved),
    method: 'zstd',
    tempDir,
    tool: 'test',
  });
  expect(result.status).toBe('saved');
  /** A workspace whose deps/ holds an older tree. */
  const target = async () => {
    const ws = scratchDir('restore-faults-target-');
    await mkdir(path.join(ws, 'deps'));
    await writeFile(path.join(ws, 'deps', 'big'), 'old');
    await writeFile(path.join(ws, 'deps', 'mine'), 'kept');
    return ws;
  };
  const restore = (ws: string, transfer = TRANSFER) =>
    restoreCache(deps(transfer), {
      cache,
      transfer,
      context: context(ws),
      method: 'zstd',
      tempDir,
    });
  return { big, target, restore, tempDir };
}

describe.each(stores)('$name: faults during the download', (store) => {
  test('a connection reset mid-download is retried: the restore completes', async () => {
    const e = await entry(store);
    const ws = await e.target();
    store.dropArchiveReads(256 * 1024, 2);
    expect(await e.restore(ws)).toMatchObject({ exact: true, restored: true });
    // Three ranges of 5 MiB, two of them cut off and read again.
    expect(store.archiveReads()).toBeGreaterThanOrEqual(5);
    expect((await readFile(path.join(ws, 'deps', 'big'))).equals(e.big)).toBe(true);
  });

  test('a reset on every try: a miss (a storage failure, not a bad entry), the paths untouched', async () => {
    const e = await entry(store);
    const ws = await e.target();
    const before = await snapshot(ws);
    store.dropArchiveReads(256 * 1024, Infinity);
    const err = await e.restore(ws).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(UnsafeArchiveError);
    expect(await snapshot(ws)).toEqual(before);
  });

  test('a byte flipped in transit: the archive is refused, the paths untouched', async () => {
    const e = await entry(store);
    const ws = await e.target();
    const before = await snapshot(ws);
    store.flipArchiveRead(1024 * 1024);
    await expect(e.restore(ws)).rejects.toThrow(UnsafeArchiveError);
    expect(await snapshot(ws)).toEqual(before);
  });

  test.each([
    ['after the headers', 0],
    ['mid-body', 64 * 1024],
  ])(
    'a download that stalls %s: the stall timeout fires, a miss, the paths untouched',
    async (_label, afterBytes) => {
      const e = await entry(store);
      const ws = await e.target();
      const before = await snapshot(ws);
      store.stallArchiveReads(afterBytes);
      const started = Date.now();
      await expect(e.restore(ws, { ...TRANSFER, stallTimeoutMs: 1000 })).rejects.toThrow(
        TimeoutError,
      );
      // Each try of a range is cut off after 1 s; the store's tries are bounded.
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(await snapshot(ws)).toEqual(before);
    },
  );

  test('every request answered 503: a miss within the deadline, the paths untouched', async () => {
    const e = await entry(store);
    const ws = await e.target();
    const before = await snapshot(ws);
    store.failEverything();
    const started = Date.now();
    await expect(e.restore(ws)).rejects.toThrow(/503|SlowDown|ServerBusy|busy|slow down/i);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await snapshot(ws)).toEqual(before);
  });
});
