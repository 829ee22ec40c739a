import { randomBytes } from 'node:crypto';
import { request } from 'node:http';

import { type S3TestServer, startS3Server } from '../helpers/s3-server.js';

// The proxy's link shaping, as benchmarks use it: bandwidth per direction shared by all
// connections, and a latency per request. Bounds are generous (a shared, busy machine); each case
// sends a few MiB at a low rate so the expected time dominates everything else.
const MiB = 1024 * 1024;
const RATE = 4 * MiB;
const body = randomBytes(2 * MiB);

let server: S3TestServer;
beforeAll(async () => {
  server = await startS3Server({ shape: { bytesPerSecond: RATE } });
  server.proxy.shape({}); // unshaped while seeding
  await call('PUT', 'a', body);
  await call('PUT', 'b', body);
}, 30_000);
afterEach(() => server.proxy.shape({}));
afterAll(async () => {
  await server?.stop();
});

/** One unsigned request (s3rver allows those); resolves with the status and the body's length. */
function call(method: string, key: string, payload?: Buffer): Promise<[number, number]> {
  const url = new URL(`${server.endpoint}/${server.bucket}/${key}`);
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => resolve([res.statusCode ?? 0, n]));
      res.on('error', reject);
    }).on('error', reject);
    req.end(payload);
  });
}

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

test('a download takes its size over the rate', async () => {
  server.proxy.shape({ bytesPerSecond: RATE });
  let got: [number, number] = [0, 0];
  const s = await seconds(async () => (got = await call('GET', 'a')));
  expect(got).toEqual([200, body.length]);
  expect(s).toBeGreaterThan(0.4); // 0.5 s at 4 MiB/s
  expect(s).toBeLessThan(1.2);
}, 10_000);

test('concurrent downloads share one direction; uploads have their own', async () => {
  server.proxy.shape({ bytesPerSecond: RATE });
  // Two 2 MiB downloads and one 2 MiB upload at once: the downloads share 4 MiB/s (about 1 s);
  // the upload runs beside them at its own 4 MiB/s (about 0.5 s), not after them.
  let upload = 0;
  const all = await seconds(() =>
    Promise.all([
      call('GET', 'a'),
      call('GET', 'b'),
      seconds(() => call('PUT', 'c', body)).then((s) => (upload = s)),
    ]),
  );
  expect(all).toBeGreaterThan(0.85);
  expect(all).toBeLessThan(1.8);
  expect(upload).toBeGreaterThan(0.4);
  // Beside the downloads it takes about 0.5 s; after them (one shared direction) it would take
  // about 1.5 s. The bound sits between, not near 0.5 s, so a busy machine cannot fail it.
  expect(upload).toBeLessThan(1.2);
}, 10_000);

test('latency is added once per request, and {} unshapes the link', async () => {
  server.proxy.shape({ latencyMs: 100 });
  const shaped = await seconds(async () => {
    for (let i = 0; i < 5; i++) expect((await call('HEAD', 'a'))[0]).toBe(200);
  });
  expect(shaped).toBeGreaterThan(0.5);

  server.proxy.shape({});
  const unshaped = await seconds(async () => {
    for (let i = 0; i < 6; i++) await call('HEAD', 'a');
  });
  // What the shaping added to the 5 requests, with their own time (as measured unshaped, so a
  // busy machine slows both alike) taken out: 0.5 s if once per request, 1 s if twice, and
  // unshaping took it away again.
  const added = shaped - (unshaped * 5) / 6;
  expect(added).toBeGreaterThan(0.4);
  expect(added).toBeLessThan(0.8);
}, 10_000);

test('bad settings are refused', () => {
  expect(() => server.proxy.shape({ bytesPerSecond: 0 })).toThrow(/bytesPerSecond/);
  expect(() => server.proxy.shape({ latencyMs: -1 })).toThrow(/latencyMs/);
});
