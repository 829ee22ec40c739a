import { createHash, randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';

import { AlreadyExistsError, StorageError, TimeoutError } from '../../src/errors.js';
import type { AzureStorage, TransferSettings } from '../../src/settings.js';
import { AzureBackend, type AzureBackendOptions } from '../../src/storage/azure-backend.js';
import { abandonAzureBlocks, type Azurite, startAzurite } from '../helpers/azurite.js';
import { describeBackendContract } from '../helpers/backend-contract.js';

const PART = 1024 * 1024;
const transfer: TransferSettings = {
  concurrency: 4,
  partSize: PART,
  stallTimeoutMs: 10_000,
  timeoutMs: 0,
};
const fast: AzureBackendOptions = { retryDelayMs: 10 };

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
}, 60_000);
afterAll(async () => {
  await azurite?.stop();
});

const withKey = (over: Partial<AzureStorage> = {}): AzureStorage => ({
  kind: 'azure',
  container: azurite.container,
  accountName: azurite.accountName,
  accountKey: azurite.accountKey,
  endpoint: azurite.endpoint,
  ...over,
});
const withSas = (sasToken: string, over: Partial<AzureStorage> = {}): AzureStorage => ({
  kind: 'azure',
  container: azurite.container,
  accountName: azurite.accountName,
  endpoint: azurite.endpoint,
  sasToken,
  ...over,
});

// 5.5 parts of 1 MiB: several blocks plus a short last one.
const contract = {
  largeSize: 5 * PART + PART / 2,
  conditionalCreate: true,
  abandonUpload: (_backend: unknown, name: string) =>
    abandonAzureBlocks(azurite.containerClient(), name),
};
describeBackendContract(
  'Azure via connection string',
  () =>
    new AzureBackend(
      { kind: 'azure', container: azurite.container, connectionString: azurite.connectionString },
      transfer,
      fast,
    ),
  contract,
);
describeBackendContract(
  'Azure via account key',
  () => new AzureBackend(withKey(), transfer, fast),
  contract,
);
// The minimum read-write SAS (rwdl). A page size of 100 makes the 1105-blob paging case cross
// a dozen pages (the service default is 5000).
describeBackendContract(
  'Azure via SAS, small listing pages',
  () =>
    new AzureBackend(withSas(`?${azurite.sasToken('rwdl')}`), transfer, {
      ...fast,
      listPageSize: 100,
    }),
  { ...contract, paging: true },
);

describe('AzureBackend on Azurite', () => {
  const backends: AzureBackend[] = [];
  const make = (
    storage: AzureStorage,
    t: Partial<TransferSettings> = {},
    o: AzureBackendOptions = fast,
  ): AzureBackend => {
    const b = new AzureBackend(storage, { ...transfer, ...t }, o);
    backends.push(b);
    return b;
  };
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((b) => b.close()));
  });
  const ns = (): string => `azure-${randomBytes(6).toString('hex')}/`;
  const body = (s: string): Readable => Readable.from([Buffer.from(s)]);
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

  test('describes itself by account and container', () => {
    expect(make(withKey()).description).toBe(`azure://devstoreaccount1/${azurite.container}`);
  });

  test('a wrong account key fails with a hint naming azure-account-key', async () => {
    const bad = make(withKey({ accountKey: Buffer.from('not the key').toString('base64') }));
    for (const op of [() => bad.stat('x'), () => bad.list('x'), () => bad.put('x', body('x'))]) {
      const err = (await op().catch((e: unknown) => e)) as StorageError;
      expect(err).toBeInstanceOf(StorageError);
      expect(err.hint).toMatch(/check azure-account-key/);
    }
  });

  test('an expired SAS fails with a hint that it expired', async () => {
    const expired = azurite.sasToken('racwdl', new Date(Date.now() - 60_000));
    const b = make(withSas(expired));
    for (const op of [() => b.stat('x'), () => b.list(''), () => b.get('x')]) {
      const err = (await op().catch((e: unknown) => e)) as StorageError;
      expect(err).toBeInstanceOf(StorageError);
      expect(err.hint).toMatch(/azure-sas-token expired at/);
    }
  });

  test('a read-only SAS (r,l) reads, and its put fails naming the permissions needed', async () => {
    const name = `${ns()}ro`;
    await make(withKey()).put(name, body('cached'));
    const ro = make(withSas(azurite.sasToken('rl')));
    expect((await buffer(await ro.get(name))).toString()).toBe('cached');
    expect((await ro.list(name)).map((o) => o.name)).toEqual([name]);
    expect((await ro.stat(name))?.size).toBe(6);
    for (const data of [Buffer.from('small'), randomBytes(3 * PART)]) {
      const err = (await ro
        .put(`${name}-new`, Readable.from([data]))
        .catch((e: unknown) => e)) as StorageError;
      expect(err).toBeInstanceOf(StorageError);
      expect(err.hint).toMatch(/this token has sp=rl\): read-write \(save\) needs .*sp=rwdl/);
    }
    expect(await ro.stat(`${name}-new`)).toBeUndefined();
  });

  test('a SAS signed for another container is rejected with a hint', async () => {
    const b = make(withSas(azurite.sasToken('racwdl', undefined, 'other'), {}));
    const err = (await b.list('').catch((e: unknown) => e)) as StorageError;
    expect(err).toBeInstanceOf(StorageError);
    expect(err.hint).toMatch(/azure-sas-token was rejected.*container/);
  });

  test('a missing container fails with a hint to create it or fix azure-container', async () => {
    const b = make(withKey({ container: 'no-such-container' }));
    for (const op of [
      () => b.stat('x'),
      () => b.list(''),
      () => b.get('x'),
      () => b.put('x', body('x')),
      () => b.delete('x'),
    ]) {
      const err = (await op().catch((e: unknown) => e)) as StorageError;
      expect(err).toBeInstanceOf(StorageError);
      expect(err.hint).toMatch(/'no-such-container' does not exist.*azure-container/);
    }
  });

  test('ranged parallel downloads are exact for sizes around the block size', async () => {
    const part = 64 * 1024;
    const b = make(withKey(), { partSize: part, concurrency: 3 });
    const dir = ns();
    for (const size of [
      0,
      1,
      part - 1,
      part,
      part + 1,
      7 * part - 3,
      7 * part,
      20 * part + 12_345,
    ]) {
      const data = randomBytes(size);
      await b.put(`${dir}${size}`, Readable.from([data]), { size });
      for (const hint of [undefined, size]) {
        const got = await buffer(await b.get(`${dir}${size}`, { size: hint }));
        expect({ size, length: got.length, sha: sha(got) }).toEqual({
          size,
          length: size,
          sha: sha(data),
        });
      }
    }
  });

  test('an object replaced mid-read fails the read instead of mixing versions', async () => {
    const b = make(withKey(), { partSize: 64 * 1024, concurrency: 1 });
    const name = `${ns()}replaced`;
    await b.put(name, Readable.from([randomBytes(10 * 64 * 1024)]));
    const stream = await b.get(name); // has read the first range only
    await b.put(name, Readable.from([randomBytes(10 * 64 * 1024)]));
    const err = (await buffer(stream).catch((e: unknown) => e)) as StorageError;
    expect(err).toBeInstanceOf(StorageError);
    expect(err.hint).toMatch(/replaced while it was being read/);
  });

  test('racing multi-block ifAbsent writers: exactly one wins and its bytes are stored', async () => {
    const name = `${ns()}race`;
    const b = make(withKey(), { partSize: 256 * 1024 });
    const bodies = [0, 1, 2, 3].map(() => randomBytes(5 * 256 * 1024 + 7));
    const results = await Promise.allSettled(
      bodies.map((data) => b.put(name, Readable.from([data]), { ifAbsent: true })),
    );
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(AlreadyExistsError);
    }
    expect(sha(await buffer(await b.get(name)))).toBe(sha(bodies[won[0]!]!));
  });

  test('a refused connection names the endpoint input', async () => {
    const port = await closedPort();
    const b = make(withKey({ endpoint: `http://127.0.0.1:${port}/devstoreaccount1` }));
    const err = (await b.stat('x').catch((e: unknown) => e)) as StorageError;
    expect(err).toBeInstanceOf(StorageError);
    expect(err.hint).toMatch(/nothing accepts connections .* check azure-endpoint/);
  });

  test('a server that never answers trips the stall timeout on every try', async () => {
    const sockets = new Set<Socket>();
    const server = createTcpServer((s) => {
      sockets.add(s);
      s.resume(); // read the request, never reply
    });
    const port = await listen(server);
    try {
      const b = make(withKey({ endpoint: `http://127.0.0.1:${port}/devstoreaccount1` }), {
        stallTimeoutMs: 150,
      });
      const started = Date.now();
      await expect(b.stat('x')).rejects.toBeInstanceOf(TimeoutError);
      await expect(b.put('x', body('x'))).rejects.toBeInstanceOf(TimeoutError);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((r) => server.close(r));
    }
  });

  test('the overall deadline stops a transfer with TimeoutError', async () => {
    const b = make(withKey(), { timeoutMs: 200 });
    const slow = new Readable({ read() {} }); // a producer that never finishes
    slow.push(randomBytes(2 * PART));
    await expect(b.put(`${ns()}slow`, slow)).rejects.toBeInstanceOf(TimeoutError);
  });

  test.each([
    ['twice resumes by retrying the range', 2],
    ['on every try fails rather than ending short', Infinity],
  ])('a download cut off mid-body %s', async (_, cuts) => {
    const data = randomBytes(100);
    let requests = 0;
    const sockets = new Set<Socket>();
    // Speaks just enough of Get Blob: claims the whole range, then drops the socket mid-body.
    const server = createHttpServer((req, res) => {
      req.resume();
      res.writeHead(206, {
        'content-length': '100',
        'content-range': 'bytes 0-99/100',
        etag: '"0x1"',
        'last-modified': new Date().toUTCString(),
      });
      if (++requests > cuts) return void res.end(data);
      res.write(data.subarray(0, 40));
      setTimeout(() => res.socket?.destroy(), 10);
    });
    server.on('connection', (s: Socket) => sockets.add(s));
    const port = await listen(server);
    try {
      const b = make(withKey({ endpoint: `http://127.0.0.1:${port}/devstoreaccount1` }));
      const got = await b
        .get('x')
        .then(buffer)
        .catch((e: unknown) => e);
      if (cuts === Infinity) {
        expect(got).toBeInstanceOf(StorageError);
        expect((got as StorageError).hint).toMatch(/kept breaking mid-download/);
        expect(requests).toBe(4);
      } else {
        expect(got).toEqual(data);
        expect(requests).toBe(cuts + 1);
      }
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((r) => server.close(r));
    }
  });
});

async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  const port = await listen(server);
  await new Promise((r) => server.close(r));
  return port;
}
