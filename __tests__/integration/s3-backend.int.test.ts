import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';

import { AlreadyExistsError, StorageError, TimeoutError } from '../../src/errors.js';
import type { S3Storage, TransferSettings } from '../../src/settings.js';
import { S3Backend } from '../../src/storage/s3-backend.js';
import { describeBackendContract } from '../helpers/backend-contract.js';
import { freePort, waitFor } from '../helpers/net.js';
import type { ProxyRequest } from '../helpers/s3-proxy.js';
import { abandonS3Upload, type S3TestServer, startS3Server } from '../helpers/s3-server.js';

const MiB = 1024 * 1024;
const PART = 5 * MiB;
/** For tests that wait on timers, whatever the default test timeout. */
const SLOW = 30_000;

let server: S3TestServer;
const backends: S3Backend[] = [];

beforeAll(async () => {
  server = await startS3Server();
}, SLOW);
afterEach(async () => {
  server.proxy.reset();
  await Promise.all(backends.splice(0).map((b) => b.close()));
});
afterAll(async () => {
  await server.stop();
});

function storage(over: Partial<S3Storage> = {}): S3Storage {
  return {
    kind: 's3',
    bucket: server.bucket,
    region: server.region,
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    // s3rver would store aws-chunked (streamed-checksum) bodies with their framing; lib-storage
    // sends Buffers, so both modes work here (see the checksum test).
    checksum: 'when-required',
    ...over,
  };
}

const TRANSFER: TransferSettings = {
  concurrency: 4,
  partSize: PART,
  stallTimeoutMs: 10_000,
  timeoutMs: 0,
};

/** A backend closed after the test. */
function backend(
  over: Partial<S3Storage> = {},
  transfer: Partial<TransferSettings> = {},
): S3Backend {
  const b = new S3Backend(storage(over), { ...TRANSFER, ...transfer });
  backends.push(b);
  return b;
}

const until = (ok: () => boolean, what: string): Promise<void> =>
  waitFor(() => Promise.resolve(ok()), 10_000, what);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const isPart = (r: ProxyRequest): boolean => r.method === 'PUT' && r.query.has('partNumber');
const rangeStart = (r: ProxyRequest): number =>
  Number(/^bytes=(\d+)-/.exec(r.headers.range ?? '')?.[1] ?? -1);
let n = 0;
const unique = (label: string): string => `s3-${label}-${++n}-${randomBytes(3).toString('hex')}`;

/** A body that has `size` random bytes ready and never ends: a producer still at work. */
function openBody(size: number): { body: PassThrough } {
  const body = new PassThrough();
  body.write(randomBytes(size));
  return { body };
}

describeBackendContract(
  'S3 (s3rver behind the test proxy)',
  () => new S3Backend(storage(), TRANSFER),
  {
    largeSize: 3 * PART + 123_457, // four parts, the last a short one
    conditionalCreate: true,
    paging: true,
    abandonUpload: async (_backend, name) => void (await abandonS3Upload(server, name)),
  },
);

describe('S3Backend multipart clean-up', () => {
  test('a body that fails after parts were sent aborts the upload: no parts left open', async () => {
    const name = unique('failed');
    const { body } = openBody(2 * PART + 1000);
    const put = backend().put(name, body);
    await until(() => server.proxy.requests.some(isPart), 'a part upload');
    body.destroy(new Error('producer died'));
    await expect(put).rejects.toThrow('producer died');
    expect(await server.proxy.openUploads(server.bucket)).toEqual([]);
    expect(
      server.proxy.requests.some((r) => r.method === 'DELETE' && r.query.has('uploadId')),
    ).toBe(true);
    expect(await backend().stat(name)).toBeUndefined();
  });

  test('an abort through the signal mid-upload aborts the multipart upload', async () => {
    const name = unique('aborted');
    const { body } = openBody(2 * PART + 1000);
    const ac = new AbortController();
    const put = backend().put(name, body, { signal: ac.signal });
    await until(() => server.proxy.requests.some(isPart), 'a part upload');
    const reason = new Error('cancelled by test');
    ac.abort(reason);
    await expect(put).rejects.toBe(reason);
    expect(body.destroyed).toBe(true);
    expect(await server.proxy.openUploads(server.bucket)).toEqual([]);
    expect(await backend().stat(name)).toBeUndefined();
  });

  test('an abort cancels a part upload in flight at once', async () => {
    const name = unique('stuck-part');
    server.proxy.inject(isPart, { kind: 'stall' }, Infinity); // parts are never answered
    const { body } = openBody(2 * PART + 1);
    const ac = new AbortController();
    const put = backend().put(name, body, { signal: ac.signal });
    await until(() => server.proxy.requests.some(isPart), 'a part upload');
    const started = Date.now();
    ac.abort(new Error('stop'));
    await expect(put).rejects.toThrow('stop');
    expect(Date.now() - started).toBeLessThan(2000); // the stall timeout is 10 s
    expect(await server.proxy.openUploads(server.bucket)).toEqual([]);
  });

  test(
    'a part the store keeps refusing fails the put and aborts the upload',
    async () => {
      const name = unique('refused');
      server.proxy.inject(
        (r) => isPart(r) && r.query.get('partNumber') === '2',
        { kind: 'error', status: 500, code: 'InternalError' },
        Infinity,
      );
      const data = randomBytes(3 * PART);
      const err = await backend()
        .put(name, Readable.from([data]))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as StorageError).message).toMatch(/InternalError/);
      expect(await server.proxy.openUploads(server.bucket)).toEqual([]);
      expect(await backend().stat(name)).toBeUndefined();
    },
    SLOW,
  );

  test(
    'a transient 500 on a part is retried and the object is intact',
    async () => {
      const name = unique('retried');
      server.proxy.inject(isPart, { kind: 'error', status: 500, code: 'InternalError' }, 1);
      const data = randomBytes(2 * PART + 5);
      await backend().put(name, Readable.from([data]));
      expect(sha(await buffer(await backend().get(name)))).toBe(sha(data));
    },
    SLOW,
  );

  test('ifAbsent on a multipart upload to a taken key: AlreadyExistsError, no upload left open', async () => {
    const name = unique('taken');
    await backend().put(name, Readable.from([Buffer.from('first')]), { ifAbsent: true });
    const big = randomBytes(2 * PART + 1);
    await expect(
      backend().put(name, Readable.from([big]), { ifAbsent: true }),
    ).rejects.toBeInstanceOf(AlreadyExistsError);
    const complete = server.proxy.requests.find(
      (r) => r.method === 'POST' && r.query.has('uploadId'),
    );
    expect(complete?.headers['if-none-match']).toBe('*');
    expect(await server.proxy.openUploads(server.bucket)).toEqual([]);
    expect((await buffer(await backend().get(name))).toString()).toBe('first');
  });

  test('the proxy lists open uploads over ListMultipartUploads', async () => {
    const name = unique('listed');
    const { body } = openBody(PART + 10);
    const put = backend().put(name, body);
    await until(() => server.proxy.requests.some(isPart), 'a part upload');
    const xml = await (await fetch(`${server.endpoint}/${server.bucket}?uploads`)).text();
    expect(xml).toContain(`<Key>${name}</Key>`);
    body.destroy(new Error('stop'));
    await expect(put).rejects.toThrow('stop');
  });

  test('SSE settings are sent on PutObject and CreateMultipartUpload', async () => {
    const sse = { type: 'aws:kms' as const, kmsKeyId: 'alias/cache' };
    await backend({ sse }).put(unique('sse-small'), Readable.from([Buffer.from('x')]));
    await backend({ sse }).put(unique('sse-big'), Readable.from([randomBytes(PART + 1)]));
    const writes = server.proxy.requests.filter(
      (r) => (r.method === 'PUT' && !r.query.has('partNumber')) || r.query.has('uploads'),
    );
    expect(writes).toHaveLength(2);
    for (const w of writes) {
      expect(w.headers['x-amz-server-side-encryption']).toBe('aws:kms');
      expect(w.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe('alias/cache');
    }
  });
});

describe('S3Backend checksum switch', () => {
  test.each([
    ['when-supported', true],
    ['when-required', false],
  ] as const)('%s: round trip, CRC32 headers sent: %s', async (checksum, crc) => {
    for (const size of [10, 2 * PART + 5]) {
      const name = unique(checksum);
      const data = randomBytes(size);
      await backend({ checksum }).put(name, Readable.from([data]));
      expect(sha(await buffer(await backend({ checksum }).get(name)))).toBe(sha(data));
    }
    const uploads = server.proxy.requests.filter((r) => r.method === 'PUT');
    expect(uploads).toHaveLength(4); // one PutObject, three parts
    for (const u of uploads) expect(u.headers['x-amz-checksum-crc32'] !== undefined).toBe(crc);
  });
});

describe('S3Backend ranged downloads', () => {
  test.each([
    ['three parts and one byte', 3 * PART + 1],
    ['one byte short of two parts', 2 * PART - 1],
    ['exactly two parts', 2 * PART],
    ['one part and a bit', PART + 4097],
  ])('%s: bytes intact, ranges in parallel and in order', async (_label, size) => {
    const name = unique('ranged');
    const data = randomBytes(size);
    await backend().put(name, Readable.from([data]));
    server.proxy.reset();
    const got = await buffer(await backend().get(name));
    expect(got.length).toBe(size);
    expect(sha(got)).toBe(sha(data));
    const starts = server.proxy.requests.map(rangeStart);
    expect(starts).toEqual(Array.from({ length: Math.ceil(size / PART) }, (_, i) => i * PART));
    if (size > 2 * PART) expect(server.proxy.peakRangedGets).toBeGreaterThan(1);
    expect(server.proxy.peakRangedGets).toBeLessThanOrEqual(TRANSFER.concurrency);
  });

  test('in-flight ranges stay within the concurrency', async () => {
    const name = unique('window');
    const data = randomBytes(12 * MiB + 3);
    await backend().put(name, Readable.from([data]));
    const small = backend({}, { partSize: MiB, concurrency: 3 });
    server.proxy.reset();
    expect(sha(await buffer(await small.get(name)))).toBe(sha(data));
    expect(server.proxy.requests).toHaveLength(13);
    expect(server.proxy.peakRangedGets).toBeGreaterThan(1);
    expect(server.proxy.peakRangedGets).toBeLessThanOrEqual(3);
  });

  test('a known small size is fetched with one plain GET', async () => {
    const name = unique('small');
    await backend().put(name, Readable.from([Buffer.from('tiny')]));
    server.proxy.reset();
    expect((await buffer(await backend().get(name, { size: 4 }))).toString()).toBe('tiny');
    expect(server.proxy.requests).toHaveLength(1);
    expect(server.proxy.requests[0]?.headers.range).toBeUndefined();
  });

  test('a range cut off mid-body is fetched again', async () => {
    const name = unique('dropped');
    const data = randomBytes(2 * PART + 99);
    await backend().put(name, Readable.from([data]));
    server.proxy.inject((r) => rangeStart(r) === PART, { kind: 'drop', afterBytes: 100_000 }, 1);
    expect(sha(await buffer(await backend().get(name)))).toBe(sha(data));
    expect(server.proxy.requests.filter((r) => rangeStart(r) === PART)).toHaveLength(2);
  });

  test('a range that keeps breaking off makes the stream error, never end short', async () => {
    const name = unique('broken');
    await backend().put(name, Readable.from([randomBytes(3 * PART)]));
    server.proxy.inject(
      (r) => rangeStart(r) === PART,
      { kind: 'drop', afterBytes: 1000 },
      Infinity,
    );
    const stream = await backend().get(name);
    let received = 0;
    stream.on('data', (c: Buffer) => (received += c.length));
    await expect(buffer(stream)).rejects.toBeInstanceOf(StorageError);
    expect(received).toBe(PART);
  });

  test('destroying the stream early aborts the ranges in flight', async () => {
    const name = unique('early');
    await backend().put(name, Readable.from([randomBytes(4 * PART)]));
    server.proxy.inject((r) => rangeStart(r) > 0, { kind: 'stall', afterBytes: 0 }, Infinity);
    const stream = await backend().get(name);
    await new Promise((r) => stream.once('data', r)); // the first part; the rest are requested
    await until(() => server.proxy.rangedGets === 3, 'three ranges in flight');
    stream.destroy();
    // The stall timeout is 10 s: only the abort can close them this soon.
    await waitFor(() => Promise.resolve(server.proxy.rangedGets === 0), 2000, 'ranges to close');
  });
});

describe('S3Backend timeouts', () => {
  test(
    'the stall timeout aborts a download whose body stops flowing',
    async () => {
      const name = unique('stalled');
      await backend().put(name, Readable.from([randomBytes(2 * PART)]));
      server.proxy.inject(
        (r) => rangeStart(r) === PART,
        { kind: 'stall', afterBytes: 64 * 1024 },
        Infinity,
      );
      const started = Date.now();
      const stream = await backend({}, { stallTimeoutMs: 500 }).get(name);
      await expect(buffer(stream)).rejects.toBeInstanceOf(TimeoutError);
      // Four tries of half a second each, plus back-off: far from hanging.
      expect(Date.now() - started).toBeLessThan(10_000);
    },
    SLOW,
  );

  test(
    'the stall timeout covers a response that never starts',
    async () => {
      const name = unique('silent');
      await backend().put(name, Readable.from([Buffer.from('x')]));
      server.proxy.inject((r) => r.method === 'HEAD', { kind: 'stall' }, Infinity);
      await expect(backend({}, { stallTimeoutMs: 300 }).stat(name)).rejects.toBeInstanceOf(
        TimeoutError,
      );
    },
    SLOW,
  );

  test(
    'one stalled range is retried and the download completes',
    async () => {
      const name = unique('stall-once');
      const data = randomBytes(2 * PART + 7);
      await backend().put(name, Readable.from([data]));
      server.proxy.inject((r) => rangeStart(r) === PART, { kind: 'stall', afterBytes: 1 }, 1);
      const got = await buffer(await backend({}, { stallTimeoutMs: 500 }).get(name));
      expect(sha(got)).toBe(sha(data));
    },
    SLOW,
  );

  test(
    'the overall deadline aborts a put and leaves no upload open',
    async () => {
      const name = unique('deadline');
      const { body } = openBody(PART + 1);
      const err = await backend({}, { timeoutMs: 1500 })
        .put(name, body)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect(await server.proxy.openUploads(server.bucket)).toEqual([]);
      expect(await backend().stat(name)).toBeUndefined();
    },
    SLOW,
  );
});

describe('S3Backend error hints against real failure responses', () => {
  test('a wrong secret key names aws-secret-access-key', async () => {
    const b = backend({
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: 'wrong' },
    });
    const err = await b.list('any/').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).message).toMatch(/SignatureDoesNotMatch/);
    expect((err as StorageError).hint).toMatch(/aws-secret-access-key/);
  });

  test('a wrong secret on stat is diagnosed through a listing (HEAD answers have no body)', async () => {
    const b = backend({
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: 'wrong' },
    });
    const err = (await b.stat('any').catch((e: unknown) => e)) as StorageError;
    expect(err).toBeInstanceOf(StorageError);
    expect(err.message).toMatch(/SignatureDoesNotMatch/);
    expect(err.hint).toMatch(/aws-secret-access-key/);
  });

  test('a HEAD denied for a missing object (prefix-limited ListBucket) is a miss', async () => {
    const name = unique('denied-missing');
    server.proxy.inject((r) => r.method === 'HEAD', {
      kind: 'error',
      status: 403,
      code: 'AccessDenied',
    });
    expect(await backend().stat(name)).toBeUndefined();
    expect(server.proxy.requests.map((r) => r.method)).toEqual(['HEAD', 'GET']);
  });

  test('a HEAD denied for an existing object names s3:GetObject', async () => {
    const name = unique('denied');
    await backend().put(name, Readable.from([Buffer.from('x')]));
    server.proxy.inject((r) => r.method === 'HEAD', {
      kind: 'error',
      status: 403,
      code: 'AccessDenied',
    });
    const err = (await backend()
      .stat(name)
      .catch((e: unknown) => e)) as StorageError;
    expect(err).toBeInstanceOf(StorageError);
    expect(err.hint).toMatch(
      new RegExp(`lack s3:GetObject on arn:aws:s3:::${server.bucket}/${name}`),
    );
  });

  test('an unknown access key names aws-access-key-id', async () => {
    const b = backend({ credentials: { accessKeyId: 'NOBODY', secretAccessKey: 'x' } });
    const err = (await b.list('any/').catch((e: unknown) => e)) as StorageError;
    expect(err.hint).toMatch(/aws-access-key-id/);
  });

  test('a missing bucket names s3-bucket', async () => {
    const err = (await backend({ bucket: 'no-such-bucket' })
      .list('any/')
      .catch((e: unknown) => e)) as StorageError;
    expect(err).toBeInstanceOf(StorageError);
    expect(err.hint).toMatch(/"no-such-bucket" does not exist.*s3-bucket/);
  });

  test.each([
    ['list', (b: S3Backend) => b.list('any/')],
    ['stat (HEAD, header only)', (b: S3Backend) => b.stat('any')],
  ])('a region redirect on %s names the region to set', async (_label, call) => {
    server.proxy.inject(() => true, {
      kind: 'error',
      status: 301,
      code: 'PermanentRedirect',
      message:
        'The bucket you are attempting to access must be addressed using the specified endpoint.',
      headers: { 'x-amz-bucket-region': 'eu-west-1' },
      fields: { Endpoint: `${server.bucket}.s3.eu-west-1.amazonaws.com`, Bucket: server.bucket },
    });
    const err = (await call(backend()).catch((e: unknown) => e)) as StorageError;
    expect(err).toBeInstanceOf(StorageError);
    expect(err.hint).toBe('The bucket is in eu-west-1, not us-east-1: set s3-region: eu-west-1.');
  });

  test('an AuthorizationHeaderMalformed with the expected region names it', async () => {
    server.proxy.inject(() => true, {
      kind: 'error',
      status: 400,
      code: 'AuthorizationHeaderMalformed',
      message:
        "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'ap-south-1'",
      fields: { Region: 'ap-south-1' },
    });
    const err = (await backend()
      .list('any/')
      .catch((e: unknown) => e)) as StorageError;
    expect(err.hint).toMatch(/set s3-region: ap-south-1/);
  });

  test(
    'a refused connection names the endpoint',
    async () => {
      const endpoint = `http://127.0.0.1:${await freePort()}`;
      const err = (await backend({ endpoint })
        .list('any/')
        .catch((e: unknown) => e)) as StorageError;
      expect(err).toBeInstanceOf(StorageError);
      expect(err.message).toMatch(/ECONNREFUSED/);
      expect(err.hint).toMatch(
        new RegExp(`Nothing accepts connections at ${endpoint}.*s3-endpoint`),
      );
    },
    SLOW,
  );
});
