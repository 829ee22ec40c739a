import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { TarArchiver } from '../../src/archive/tar-archiver.js';
import { restoreCache } from '../../src/cache/restore-cache.js';
import { saveCache, type SaveResult } from '../../src/cache/save-cache.js';
import type { RunContext } from '../../src/context.js';
import type { CacheSettings, TransferSettings } from '../../src/settings.js';
import { AzureBackend } from '../../src/storage/azure-backend.js';
import type { Backend } from '../../src/storage/backend.js';
import { S3Backend } from '../../src/storage/s3-backend.js';
import { type Azurite, startAzurite } from '../helpers/azurite.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { cacheSettings, quiet, scratchDir, transferSettings } from '../helpers/fixtures.js';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.js';

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
    backend: (transfer = TRANSFER) =>
      track(
        new S3Backend(
          {
            kind: 's3',
            bucket: s3.bucket,
            region: s3.region,
            endpoint: s3.endpoint,
            forcePathStyle: true,
            credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
            checksum: 'when-required',
          },
          transfer,
        ),
      ),
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
  const deps = (backend: Backend) => ({ backend, archiver: new TarArchiver(), logger: quiet });
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
