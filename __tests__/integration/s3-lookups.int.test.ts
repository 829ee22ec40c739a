import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';

import type { S3Storage, TransferSettings } from '../../src/settings.js';
import type { Backend } from '../../src/storage/backend.js';
import { S3Backend } from '../../src/storage/s3-backend.js';
import { createS3Backend, S3LookupBackend } from '../../src/storage/s3-lookup-backend.js';
import { describeBackendContract } from '../helpers/backend-contract.js';
import { freePort } from '../helpers/net.js';
import type { Fault, ProxyRequest } from '../helpers/s3-proxy.js';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.js';
import { s3Storage } from '../helpers/s3-storage.js';

// The lookups without the SDK (S3LookupBackend over S3Lite) against S3Backend, side by side on
// one s3rver behind the test proxy: the same answers for the same objects, and the same errors,
// retries and messages for the same faults.

const SLOW = 300_000;
const TRANSFER: TransferSettings = {
  concurrency: 4,
  partSize: 5 * 1024 * 1024,
  stallTimeoutMs: 10_000,
  timeoutMs: 0,
};

let server: S3TestServer;
const open: Backend[] = [];

beforeAll(async () => {
  server = await startS3Server();
}, SLOW);
afterEach(() => server.proxy.reset());
afterAll(async () => {
  await Promise.all(open.splice(0).map((b) => b.close()));
  await server.stop();
});

/** Both backends for the same settings: the lookup one must really be the light one. */
async function pair(
  over: Partial<S3Storage> = {},
  transfer: Partial<TransferSettings> = {},
): Promise<{ lite: Backend; sdk: Backend }> {
  const storage = { ...s3Storage(server), ...over };
  const settings = { ...TRANSFER, ...transfer };
  const lite = await createS3Backend(storage, settings);
  expect(lite).toBeInstanceOf(S3LookupBackend);
  const sdk = new S3Backend(storage, settings);
  open.push(lite, sdk);
  return { lite, sdk };
}

/** What a caller sees: the value, or the error's class, message and hint. */
async function outcome(p: Promise<unknown>): Promise<unknown> {
  try {
    return { value: await p };
  } catch (err) {
    const e = err as Error & { hint?: string };
    // Under jest a Node network error comes from another realm than the SDK's Error, so the
    // SDK wraps it ("AWS SDK error wrapper for Error: connect ..."); in a plain process it does not.
    const message = e.message.replace('AWS SDK error wrapper for Error: ', '');
    return { error: e.constructor.name, message, hint: e.hint };
  }
}

const AWKWARD = [
  'odd/with space',
  'odd/unicode å∫ç 😀',
  'odd/plus+sign',
  'odd/percent%20%2F%',
  'odd/amp&ersand',
  'odd/less<than>greater',
  'odd/"quotes\'',
  "odd/sub-delims!$'()*,;=:@",
  'odd/deep/er/path',
  'odd/tilde~',
];
const MANY = Array.from({ length: 1_050 }, (_, i) => `many/${String(i).padStart(5, '0')}`);

describe('lookups without the SDK answer as the SDK does', () => {
  let lite: Backend;
  let sdk: Backend;

  beforeAll(async () => {
    ({ lite, sdk } = await pair());
    const queue = [
      ...AWKWARD.map((k, i) => [k, i * 7] as const),
      ...MANY.map((k) => [k, 1] as const),
    ];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let n = queue.shift(); n; n = queue.shift()) {
          await sdk.put(n[0], Readable.from([Buffer.alloc(n[1], 'x')]));
        }
      }),
    );
  }, SLOW);

  test.each([...AWKWARD, 'odd/missing', 'odd/with', 'odd/with space/', 'many/00007'])(
    'stat %j',
    async (name) => {
      const [a, b] = await Promise.all([lite.stat(name), sdk.stat(name)]);
      expect(a).toEqual(b);
      if (AWKWARD.includes(name))
        expect(a).toMatchObject({ name, size: AWKWARD.indexOf(name) * 7 });
    },
  );

  test.each([
    'odd/',
    'odd/with',
    'odd/amp&',
    'odd/less<',
    'odd/unicode å',
    'odd/percent%2',
    'nothing/',
    '',
  ])(
    'list %j',
    async (prefix) => {
      const byName = (x: { name: string }, y: { name: string }): number =>
        x.name < y.name ? -1 : x.name > y.name ? 1 : 0;
      const [a, b] = await Promise.all([lite.list(prefix), sdk.list(prefix)]);
      expect(a.sort(byName)).toEqual(b.sort(byName));
      if (prefix === 'odd/') expect(a.map((o) => o.name).sort()).toEqual([...AWKWARD].sort());
    },
    SLOW,
  );

  test(
    'list pages past 1,000 keys as the SDK does',
    async () => {
      const [a, b] = await Promise.all([lite.list('many/'), sdk.list('many/')]);
      expect(a.map((o) => o.name).sort()).toEqual(MANY);
      expect(a).toEqual(b);
      const pages = server.proxy.requests.filter((r) => r.query.get('list-type') === '2');
      expect(pages.filter((r) => r.query.has('continuation-token')).length).toBe(2); // one each
    },
    SLOW,
  );

  test('get, through the SDK the lookup backend loads for it, gives the same bytes', async () => {
    const name = AWKWARD[3]!;
    const [a, b] = await Promise.all([lite.get(name), sdk.get(name)]);
    expect(await buffer(a)).toEqual(await buffer(b));
  });

  test.each(AWKWARD)('get of a small object of known size, %j, without the SDK', async (name) => {
    const size = AWKWARD.indexOf(name) * 7;
    server.proxy.reset();
    const a = await buffer(await lite.get(name, { size }));
    // The SDK names its operation in the query (x-id=GetObject); S3Lite does not.
    const gets = server.proxy.requests.filter((r) => r.method === 'GET');
    expect(gets.map((r) => r.query.has('x-id'))).toEqual([false]);
    expect(a).toEqual(await buffer(await sdk.get(name, { size })));
    expect(a.length).toBe(size);
  });

  test('a store that wants checksums checked, or a large object, is read through the SDK', async () => {
    const { lite: checked } = await pair({ checksum: 'when-supported' });
    server.proxy.reset();
    await buffer(await checked.get(AWKWARD[1]!, { size: 7 }));
    await buffer(await lite.get(AWKWARD[1]!));
    const gets = server.proxy.requests.filter((r) => r.method === 'GET');
    expect(gets.map((r) => r.query.get('x-id'))).toEqual(['GetObject', 'GetObject']);
  });
});

describe('the same faults give the same errors, retries and messages', () => {
  /** Run `op` on each backend with the same fault armed; compare outcomes and request counts. */
  async function same(
    over: Partial<S3Storage>,
    op: (b: Backend) => Promise<unknown>,
    fault?: { match: (r: ProxyRequest) => boolean; fault: Fault; times: number },
    transfer: Partial<TransferSettings> = {},
  ): Promise<{ outcome: unknown; requests: number }> {
    const { lite, sdk } = await pair(over, transfer);
    const run = async (b: Backend): Promise<{ outcome: unknown; requests: number }> => {
      server.proxy.reset();
      if (fault) server.proxy.inject(fault.match, fault.fault, fault.times);
      const result = await outcome(op(b));
      return { outcome: result, requests: server.proxy.requests.length };
    };
    const fromLite = await run(lite);
    const fromSdk = await run(sdk);
    expect(fromLite).toEqual(fromSdk);
    return fromLite;
  }
  const stat = (b: Backend): Promise<unknown> => b.stat('odd/x y');
  const list = (b: Backend): Promise<unknown> => b.list('odd/x y');

  test.each([
    ['stat', stat],
    ['list', list],
  ])('%s of a bucket that does not exist', async (op, run) => {
    const r = await same({ bucket: 'no-such-bucket' }, run);
    // A HEAD answer has no body to name the bucket: a miss, and the listing then says why.
    if (op === 'stat') expect(r.outcome).toEqual({ value: undefined });
    else expect(JSON.stringify(r.outcome)).toMatch(/NoSuchBucket.*check s3-bucket/);
  });

  test.each([
    ['stat', stat],
    ['list', list],
  ])('%s with a wrong secret', async (_op, op) => {
    const r = await same(
      { credentials: { accessKeyId: server.accessKeyId, secretAccessKey: 'wrong' } },
      op,
    );
    expect(JSON.stringify(r.outcome)).toMatch(/aws-secret-access-key/);
  });

  test.each([
    ['stat', stat],
    ['list', list],
  ])('%s with an unknown access key', async (_op, op) => {
    const r = await same({ credentials: { accessKeyId: 'NOBODY', secretAccessKey: 'x' } }, op);
    expect(JSON.stringify(r.outcome)).toMatch(/access key ID is unknown|aws-access-key-id/);
  });

  test.each([
    ['stat', stat],
    ['list', list],
  ])('%s at a port where nothing listens', async (_op, op) => {
    const r = await same({ endpoint: `http://127.0.0.1:${await freePort()}` }, op);
    expect(JSON.stringify(r.outcome)).toMatch(/ECONNREFUSED/);
  });

  test.each([
    ['stat', stat],
    ['list', list],
  ])('%s at a host name that does not resolve', async (_op, op) => {
    const r = await same({ endpoint: 'http://no-such-host.invalid:9000' }, op);
    expect(JSON.stringify(r.outcome)).toMatch(/does not resolve/);
  });

  test.each([
    ['stat', stat, 'HEAD'],
    ['list', list, 'GET'],
  ])('%s: two 500s, then success, in three requests', async (_op, op, method) => {
    const r = await same({}, op, {
      match: (q) => q.method === method,
      fault: { kind: 'error', status: 500, code: 'InternalError' },
      times: 2,
    });
    expect(r.requests).toBe(3);
    expect(r.outcome).toEqual({ value: method === 'HEAD' ? undefined : [] });
  });

  test.each([
    ['stat', stat, 'HEAD'],
    ['list', list, 'GET'],
  ])(
    '%s: throttled on every try gives up after four, with the same message',
    async (_op, op, method) => {
      const r = await same({}, op, {
        match: (q) => q.method === method,
        fault: { kind: 'error', status: 503, code: 'SlowDown' },
        times: Infinity,
      });
      expect(r.requests).toBe(4);
      expect(JSON.stringify(r.outcome)).toMatch(/503/);
    },
    SLOW,
  );

  test('list: a 400 is not retried', async () => {
    const r = await same({}, list, {
      match: () => true,
      fault: { kind: 'error', status: 400, code: 'InvalidArgument', message: 'no & <good>' },
      times: 1,
    });
    expect(r.requests).toBe(1);
  });

  test('list: a redirect names the region', async () => {
    const r = await same({}, list, {
      match: () => true,
      fault: {
        kind: 'error',
        status: 301,
        code: 'PermanentRedirect',
        fields: { Region: 'eu-central-1' },
        headers: { 'x-amz-bucket-region': 'eu-central-1' },
      },
      times: 1,
    });
    expect(JSON.stringify(r.outcome)).toMatch(/s3-region: eu-central-1/);
  });

  test('stat: a HEAD denied (least-privilege ListBucket) is a miss when the listing says so', async () => {
    const r = await same({}, stat, {
      match: (q) => q.method === 'HEAD',
      fault: { kind: 'error', status: 403, code: 'AccessDenied' },
      times: 1,
    });
    expect(r.outcome).toEqual({ value: undefined });
  });

  test('stat and list: everything denied names the permission', async () => {
    const denied = {
      match: () => true,
      fault: {
        kind: 'error',
        status: 403,
        code: 'AccessDenied',
        message: 'Access Denied',
      } as Fault,
      times: Infinity,
    };
    const a = await same({}, stat, denied);
    const b = await same({}, list, denied);
    expect(JSON.stringify(a.outcome)).toMatch(/s3:GetObject/);
    expect(JSON.stringify(b.outcome)).toMatch(/s3:ListBucket/);
  });

  const name = 'odd/deep/er/path'; // 56 bytes, stored by the first describe
  const get = async (b: Backend): Promise<unknown> =>
    (await buffer(await b.get(name, { size: 56 }))).toString();

  test('get of a missing object of known size: NotFoundError from both', async () => {
    const r = await same({}, (b) => b.get('odd/missing', { size: 10 }));
    expect(r.outcome).toMatchObject({ error: 'NotFoundError' });
  });

  test('get: a body cut short is fetched again, in the same number of requests', async () => {
    const r = await same({}, get, {
      match: (q) => q.method === 'GET',
      fault: { kind: 'drop', afterBytes: 10 },
      times: 2,
    });
    expect(r).toEqual({ outcome: { value: 'x'.repeat(56) }, requests: 3 });
  });

  test('get: 500s then success', async () => {
    const r = await same({}, get, {
      match: (q) => q.method === 'GET',
      fault: { kind: 'error', status: 500, code: 'InternalError' },
      times: 2,
    });
    expect(r).toEqual({ outcome: { value: 'x'.repeat(56) }, requests: 3 });
  });

  test(
    'get: a body that stalls trips the same stall watchdog',
    async () => {
      const r = await same(
        {},
        get,
        {
          match: (q) => q.method === 'GET',
          fault: { kind: 'stall', afterBytes: 5 },
          times: Infinity,
        },
        { stallTimeoutMs: 1_000 },
      );
      expect(r.outcome).toMatchObject({ error: 'TimeoutError' });
    },
    SLOW,
  );

  test('get with a wrong secret', async () => {
    const r = await same(
      { credentials: { accessKeyId: server.accessKeyId, secretAccessKey: 'wrong' } },
      get,
    );
    expect(JSON.stringify(r.outcome)).toMatch(/aws-secret-access-key/);
  });

  test(
    'a store that goes silent trips the same stall watchdog',
    async () => {
      const r = await same(
        {},
        stat,
        { match: () => true, fault: { kind: 'stall' }, times: Infinity },
        { stallTimeoutMs: 1_000 },
      );
      expect(r.outcome).toMatchObject({ error: 'TimeoutError' });
    },
    SLOW,
  );
});

describeBackendContract(
  'S3 with lookups without the SDK (s3rver behind the test proxy)',
  async () => {
    const b = await createS3Backend(s3Storage(server), TRANSFER);
    open.push(b);
    return b;
  },
  { largeSize: 2 * TRANSFER.partSize + 12_345, paging: false },
);
