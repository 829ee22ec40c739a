import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { TarArchiver } from '../../src/archive/tar-archiver.js';
import { restoreCache } from '../../src/cache/restore-cache.js';
import { saveCache } from '../../src/cache/save-cache.js';
import type { RunContext } from '../../src/context.js';
import { TimeoutError } from '../../src/errors.js';
import type { TransferSettings } from '../../src/settings.js';
import { AzureBackend } from '../../src/storage/azure-backend.js';
import { S3Backend } from '../../src/storage/s3-backend.js';
import { type Azurite, startAzurite } from '../helpers/azurite.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { cacheSettings, quiet, scratchDir, transferSettings } from '../helpers/fixtures.js';
import type { ProxyRequest } from '../helpers/s3-proxy.js';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.js';
import { s3Storage } from '../helpers/s3-storage.js';

// A slow but live link must finish; a dead one must still be cut off. The stall watchdog is fed
// by bytes on the wire (request bodies as the socket takes them, ranges as they arrive), not by
// the local pipeline, which sees nothing while whole parts are in flight.

const MiB = 1024 * 1024;
const RATE = 256 * 1024;
/** 2 × 8 MiB = 16 MiB in flight; at 256 KiB/s one range takes 32 s, the stall timeout is 5 s. */
const TRANSFER: TransferSettings = transferSettings({
  concurrency: 2,
  partSize: 8 * MiB,
  stallTimeoutMs: 5_000,
});
/** Uploads: one 16 MiB part in flight (see the upload test for why not 256 KiB/s). */
const UPLOAD: TransferSettings = { ...TRANSFER, concurrency: 1, partSize: 16 * MiB };

let s3: S3TestServer;
let backend: S3Backend;
let ws: string;
let tempDir: string;
let payload: Buffer;

beforeAll(async () => {
  s3 = await startS3Server();
  ws = scratchDir('slow-link-ws-');
  tempDir = scratchDir('slow-link-tmp-');
  await mkdir(path.join(ws, 'deps'));
  // A little over one range: the download has one full 8 MiB range to wait for.
  payload = randomBytes(9 * MiB);
  await writeFile(path.join(ws, 'deps', 'blob.bin'), payload);
});
function connect(transfer: TransferSettings): S3Backend {
  return new S3Backend(s3Storage(s3), transfer);
}
beforeEach(() => {
  backend = connect(TRANSFER);
});
afterEach(async () => {
  s3.proxy.reset();
  await backend.close();
});
afterAll(async () => {
  await s3?.stop();
});

const context: RunContext = {
  ci: 'github',
  workspace: '',
  owner: 'o',
  repo: 'r',
  ref: 'refs/heads/main',
};
const request = (key: string, transfer = TRANSFER) => ({
  cache: cacheSettings({ key, paths: ['deps'], prefix: 'slow', compression: 'none' }),
  transfer,
  context: { ...context, workspace: ws },
  method: 'none' as const,
  tempDir,
});
const deps = () => ({ backend, archiver: new TarArchiver({ logger: quiet }), logger: quiet });
const save = (key: string, transfer = TRANSFER) =>
  saveCache(deps(), { ...request(key, transfer), tool: 'test' });
const restore = (key: string) => restoreCache(deps(), request(key));
const isPart = (r: ProxyRequest) => r.method === 'PUT' && r.query.has('partNumber');
const isArchiveGet = (r: ProxyRequest) => r.method === 'GET' && r.key.includes('/archives/');

// Uploads: the watchdog sees request bodies as the socket takes them. On loopback (MSS 64 KiB)
// the kernel lets a connection swallow about 9 MiB before the proxy reads it, and after the last
// byte is handed over nothing more can be seen until the answer: at 256 KiB/s that is half a
// minute of silence however one counts, which a real link's far smaller buffers do not have.
// So the link here runs at 2.5 MiB/s: the 16 MiB part still takes over 6 s, beyond the 5 s stall
// timeout that the local pipeline alone used to trip, and the kernel's share drains in under 4 s.
test('save over a slow link with a 16 MiB part in flight and a 5 s stall timeout completes', async () => {
  await backend.close();
  backend = connect(UPLOAD);
  await writeFile(path.join(ws, 'deps', 'more.bin'), randomBytes(7 * MiB));
  try {
    s3.proxy.inject(isPart, { kind: 'trickle', bytesPerSecond: 10 * RATE }, Infinity);
    const started = Date.now();
    expect(await save('slow-up', UPLOAD)).toMatchObject({ status: 'saved' });
    expect(Date.now() - started).toBeGreaterThan(UPLOAD.stallTimeoutMs);
  } finally {
    await rm(path.join(ws, 'deps', 'more.bin'));
  }
});

test('restore over a 256 KiB/s link with an 8 MiB range in flight and a 5 s stall timeout completes', async () => {
  expect(await save('slow-down')).toMatchObject({ status: 'saved' });
  s3.proxy.inject(isArchiveGet, { kind: 'trickle', bytesPerSecond: RATE }, Infinity);
  await rm(path.join(ws, 'deps'), { recursive: true });
  const started = Date.now();
  expect(await restore('slow-down')).toMatchObject({ exact: true, restored: true });
  expect(Date.now() - started).toBeGreaterThan(5 * TRANSFER.stallTimeoutMs);
  expect((await readFile(path.join(ws, 'deps', 'blob.bin'))).equals(payload)).toBe(true);
});

test('an upload that truly stalls is cut off after the stall timeout, leaving nothing', async () => {
  // The parts reach the store but no answer ever comes.
  s3.proxy.inject(isPart, { kind: 'stall' }, Infinity);
  const started = Date.now();
  await expect(save('stalled-up')).rejects.toThrow(TimeoutError);
  expect(Date.now() - started).toBeLessThan(4 * TRANSFER.stallTimeoutMs);
  s3.proxy.reset();
  const names = (await backend.list('slow/')).map((o) => o.name);
  expect(names.filter((n) => n.includes('stalled-up'))).toEqual([]);
  expect(await s3.proxy.openUploads(s3.bucket)).toEqual([]);
});

test('a download that truly stalls mid-body is cut off after the stall timeout', async () => {
  expect(await save('stalled-down')).toMatchObject({ status: 'saved' });
  s3.proxy.inject(isArchiveGet, { kind: 'stall', afterBytes: MiB }, Infinity);
  const started = Date.now();
  await expect(restore('stalled-down')).rejects.toThrow(TimeoutError);
  expect(Date.now() - started).toBeLessThan(4 * TRANSFER.stallTimeoutMs);
});

test('a silent endpoint costs one stall timeout for a stat, not one per SDK try', async () => {
  s3.proxy.inject((r) => r.method === 'HEAD', { kind: 'stall' }, Infinity);
  const started = Date.now();
  await expect(backend.stat('slow/whatever')).rejects.toThrow(TimeoutError);
  const ms = Date.now() - started;
  expect(ms).toBeGreaterThanOrEqual(TRANSFER.stallTimeoutMs - 100);
  expect(ms).toBeLessThan(2 * TRANSFER.stallTimeoutMs);
});

describe('Azure', () => {
  let azurite: Azurite;
  let proxy: FaultProxy;
  beforeAll(async () => {
    azurite = await startAzurite();
    proxy = await FaultProxy.start(Number(new URL(azurite.endpoint).port));
  });
  afterAll(async () => {
    await proxy?.close();
    await azurite?.stop();
  });

  test('a download whose 5 MiB range takes 10 s completes under a 5 s stall timeout', async () => {
    const transfer = { ...TRANSFER, partSize: 5 * MiB };
    const azure = new AzureBackend(
      {
        kind: 'azure',
        container: azurite.container,
        accountName: azurite.accountName,
        accountKey: azurite.accountKey,
        endpoint: `${proxy.origin}/${azurite.accountName}`,
      },
      transfer,
    );
    const azureDeps = () => ({
      backend: azure,
      archiver: new TarArchiver({ logger: quiet }),
      logger: quiet,
    });
    try {
      const req = request('azure-slow', transfer);
      expect(await saveCache(azureDeps(), { ...req, tool: 'test' })).toMatchObject({
        status: 'saved',
      });
      proxy.inject(
        (r) => r.method === 'GET' && r.url.includes('/archives/'),
        { kind: 'trickle', bytesPerSecond: 2 * RATE },
        Infinity,
      );
      const started = Date.now();
      expect(await restoreCache(azureDeps(), req)).toMatchObject({ exact: true, restored: true });
      expect(Date.now() - started).toBeGreaterThan(TRANSFER.stallTimeoutMs);
    } finally {
      await azure.close();
    }
  });
});
