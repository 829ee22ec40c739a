import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';

import { annotations, bundles, type Job, Runner } from '../helpers/action-env.js';
import { type ProxyRequest, S3Proxy } from '../helpers/s3-proxy.js';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.js';

const MiB = 1024 * 1024;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const isPart = (r: ProxyRequest): boolean => r.method === 'PUT' && r.query.has('partNumber');
const isWrite = (r: ProxyRequest): boolean => r.method === 'PUT' || r.method === 'POST';

// The built action, run as the runner runs it, against s3rver behind the signing-checking proxy.
describe('dist bundles on the S3 backend', () => {
  const runner = new Runner();
  let server: S3TestServer;
  let s3: S3Client;

  beforeAll(async () => {
    server = await startS3Server();
    s3 = new S3Client({
      endpoint: server.endpoint,
      region: server.region,
      forcePathStyle: true,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  });
  afterEach(() => server.proxy.reset());
  afterAll(async () => {
    s3?.destroy();
    await server?.stop();
    runner.cleanup();
  });

  /** The action's S3 inputs; `prefix` keeps each test's entries apart. */
  const inputs = (prefix: string, key: string, extra: Record<string, string> = {}) => ({
    path: 'deps',
    key,
    prefix,
    's3-bucket': server.bucket,
    's3-endpoint': server.endpoint,
    's3-region': server.region,
    's3-force-path-style': 'true',
    'aws-access-key-id': server.accessKeyId,
    'aws-secret-access-key': server.secretAccessKey,
    ...extra,
  });

  /** A small project: random bytes, a symlink, an executable and an empty directory. */
  function project(job: Job): Buffer {
    const deps = path.join(job.workspace, 'deps');
    mkdirSync(path.join(deps, 'sub', 'empty'), { recursive: true });
    const data = randomBytes(64 * 1024);
    writeFileSync(path.join(deps, 'sub', 'data.bin'), data);
    writeFileSync(path.join(deps, 'tool.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    symlinkSync('sub/data.bin', path.join(deps, 'link'));
    return data;
  }

  function write(job: Job, rel: string, data: string | Buffer): void {
    const file = path.join(job.workspace, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, data);
  }
  const read = (job: Job, rel: string): Buffer => readFileSync(path.join(job.workspace, rel));

  /** Object names in the bucket under `prefix`, listed with our own client (pages followed). */
  async function objects(prefix: string): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: server.bucket,
          Prefix: prefix,
          ContinuationToken: token,
        }),
      );
      names.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
    } while (token);
    return names;
  }

  async function getText(name: string): Promise<string> {
    const out = await s3.send(new GetObjectCommand({ Bucket: server.bucket, Key: name }));
    return out.Body!.transformToString();
  }

  test('combined action: miss → post save → exact hit in a fresh workspace → save skipped', async () => {
    const first = runner.job();
    const data = project(first);
    const miss = await runner.run(bundles.restore, first, inputs('combined', 'deps-a'));
    expect(miss.code).toBe(0);
    expect(miss.outputs).toEqual({
      'cache-primary-key': 'deps-a',
      'cache-hit': 'false',
      'cache-restored': 'false',
      'cache-matched-key': '',
      'cache-size': '',
    });
    expect(miss.stdout).toContain(`Cache not found for input keys: deps-a`);
    expect(miss.stdout).toContain(`s3://${server.bucket} at ${server.endpoint}`);
    expect(annotations(miss, 'warning')).toEqual([]);

    const post = await runner.run(bundles.save, first, inputs('combined', 'deps-a'), miss.state);
    expect(post.code).toBe(0);
    expect(annotations(post, 'warning')).toEqual([]);
    expect(post.stdout).toContain('Cache saved with key: deps-a (refs/heads/main');
    const stored = await objects('combined/');
    // The manifest, its archive, and the key index that lets the CLI restore by key alone.
    expect(stored).toHaveLength(3);
    expect(stored.filter((n) => n.endsWith('/keys/deps-a'))).toHaveLength(1);
    expect(stored.filter((n) => /\/idx\/deps-a\/[0-9a-f]{64}$/.test(n))).toHaveLength(1);
    expect(stored.filter((n) => /\/archives\/[0-9a-f-]{36}\.tar\.(zst|gz)$/.test(n))).toHaveLength(
      1,
    );

    const second = runner.job();
    const hit = await runner.run(bundles.restore, second, inputs('combined', 'deps-a'));
    expect(hit.code).toBe(0);
    expect(hit.outputs).toMatchObject({
      'cache-hit': 'true',
      'cache-restored': 'true',
      'cache-matched-key': 'deps-a',
    });
    expect(Number(hit.outputs['cache-size'])).toBeGreaterThan(data.length); // random: no gain
    expect(sha(read(second, 'deps/sub/data.bin'))).toBe(sha(data));
    expect(readlinkSync(path.join(second.workspace, 'deps', 'link'))).toBe('sub/data.bin');
    expect(statSync(path.join(second.workspace, 'deps', 'tool.sh')).mode & 0o777).toBe(0o755);
    expect(existsSync(path.join(second.workspace, 'deps', 'sub', 'empty'))).toBe(true);
    expect(hit.summary).toContain('hit');

    server.proxy.reset();
    const skip = await runner.run(bundles.save, second, inputs('combined', 'deps-a'), hit.state);
    expect(skip.code).toBe(0);
    expect(skip.stdout).toContain(
      'Cache hit occurred on the primary key deps-a, not saving cache.',
    );
    expect(server.proxy.requests).toEqual([]); // not even a look at the store
  });

  test('overwrite: true makes a rolling key: each post step replaces the entry after a hit', async () => {
    const roll = { overwrite: 'true' };
    let state: Record<string, string> = {};
    const archivesSeen = new Set<string>();
    for (const generation of ['one', 'two', 'three']) {
      const job = runner.job();
      const restored = await runner.run(bundles.restore, job, inputs('rolling', 'gradle', roll));
      expect(restored.code).toBe(0);
      if (generation === 'one') {
        expect(restored.outputs['cache-hit']).toBe('false');
      } else {
        // The previous run's entry came back, then this run changes it.
        expect(restored.outputs['cache-hit']).toBe('true');
        expect(read(job, 'deps/generation.txt').toString()).not.toBe(generation);
      }
      state = restored.state;
      write(job, 'deps/generation.txt', generation);
      const post = await runner.run(bundles.save, job, inputs('rolling', 'gradle', roll), state);
      expect(post.code).toBe(0);
      expect(annotations(post, 'warning')).toEqual([]);
      if (generation !== 'one') {
        expect(post.stdout).toContain(
          'Cache hit occurred on the primary key gradle; overwrite is set, so the entry is replaced.',
        );
      }
      expect(post.stdout).toContain('Cache saved with key: gradle');
      // One manifest and the one archive it names: the replaced archive is gone.
      const stored = await objects('rolling/');
      const manifest = stored.filter((n) => n.endsWith('/keys/gradle'));
      const archives = stored.filter((n) => n.includes('/archives/'));
      expect(manifest).toHaveLength(1);
      expect(archives).toHaveLength(1);
      expect(JSON.parse(await getText(manifest[0]!))).toMatchObject({ archive: archives[0] });
      expect(archivesSeen.has(archives[0]!)).toBe(false);
      archivesSeen.add(archives[0]!);
    }
    const last = runner.job();
    const hit = await runner.run(bundles.restore, last, inputs('rolling', 'gradle'));
    expect(hit.outputs['cache-hit']).toBe('true');
    expect(read(last, 'deps/generation.txt').toString()).toBe('three');

    // Without overwrite the post step still skips after a hit, as actions/cache does.
    const skip = await runner.run(bundles.save, last, inputs('rolling', 'gradle'), hit.state);
    expect(skip.stdout).toContain(
      'Cache hit occurred on the primary key gradle, not saving cache.',
    );
  });

  test('a mixed fleet: a runner with zstd restores what a gzip-only runner saved', async () => {
    // PATH with tar and gzip but no zstd: auto compression resolves to gzip there.
    const bin = path.join(runner.root, 'gzip-only-bin');
    mkdirSync(bin, { recursive: true });
    for (const tool of ['tar', 'gzip', 'sh']) {
      const real = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find((p) => existsSync(p))!;
      if (!existsSync(path.join(bin, tool))) symlinkSync(real, path.join(bin, tool));
    }
    const old = runner.job();
    const gzipRunner: Job = { ...old, env: { ...old.env, PATH: bin } };
    write(gzipRunner, 'deps/lib.txt', 'from the gzip runner');
    const saved = await runner.run(bundles.save, gzipRunner, inputs('fleet', 'deps-v1'));
    expect(saved.stdout).toContain('Cache saved with key: deps-v1');
    expect((await objects('fleet/')).filter((n) => n.endsWith('.tar.gz'))).toHaveLength(1);

    // The zstd runner looks for zstd first, finds none, and restores the gzip entry.
    const modern = runner.job();
    const hit = await runner.run(bundles.restore, modern, inputs('fleet', 'deps-v1'));
    expect(hit.code).toBe(0);
    expect(annotations(hit, 'warning')).toEqual([]);
    expect(hit.outputs).toMatchObject({ 'cache-hit': 'true', 'cache-restored': 'true' });
    expect(read(modern, 'deps/lib.txt').toString()).toBe('from the gzip runner');

    // A restore key finds it too; the zstd runner's own save then writes a zstd entry.
    const next = runner.job();
    const partial = await runner.run(
      bundles.restore,
      next,
      inputs('fleet', 'deps-v2', { 'restore-keys': 'deps-' }),
    );
    expect(partial.outputs).toMatchObject({
      'cache-hit': 'false',
      'cache-matched-key': 'deps-v1',
      'cache-restored': 'true',
    });
    const post = await runner.run(bundles.save, next, inputs('fleet', 'deps-v2'), partial.state);
    expect(post.stdout).toContain('Cache saved with key: deps-v2');
    expect((await objects('fleet/')).filter((n) => n.endsWith('.tar.zst'))).toHaveLength(1);
  });

  test('restore and save sub-actions: restore-keys fallback, then a new key saved', async () => {
    const seed = runner.job();
    write(seed, 'deps/file.txt', 'one');
    // The save sub-action gets no state: it reads its own inputs.
    const saved = await runner.run(bundles.save, seed, inputs('sub', 'deps-a'));
    expect(saved.code).toBe(0);
    expect(saved.stdout).toContain('Cache saved with key: deps-a');

    const job = runner.job();
    const partial = await runner.run(
      bundles.restore,
      job,
      inputs('sub', 'deps-b', { 'restore-keys': 'other-\ndeps-' }),
    );
    expect(partial.code).toBe(0);
    expect(partial.outputs).toMatchObject({
      'cache-primary-key': 'deps-b',
      'cache-hit': 'false',
      'cache-restored': 'true',
      'cache-matched-key': 'deps-a',
    });
    expect(read(job, 'deps/file.txt').toString()).toBe('one');

    write(job, 'deps/file.txt', 'two');
    const next = await runner.run(bundles.save, job, inputs('sub', 'deps-b'));
    expect(next.code).toBe(0);
    expect(next.stdout).toContain('Cache saved with key: deps-b');
    // Entries are immutable: a second save of the key keeps the first.
    write(job, 'deps/file.txt', 'three');
    const again = await runner.run(bundles.save, job, inputs('sub', 'deps-b'));
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already exists');

    const fresh = runner.job();
    const exact = await runner.run(bundles.restore, fresh, inputs('sub', 'deps-b'));
    expect(exact.outputs).toMatchObject({ 'cache-hit': 'true', 'cache-matched-key': 'deps-b' });
    expect(read(fresh, 'deps/file.txt').toString()).toBe('two');
  });

  test("actions/cache's own inputs: upload-chunk-size is the part size, save-always is accepted", async () => {
    const job = runner.job();
    const blob = randomBytes(13 * MiB);
    write(job, 'deps/blob.bin', blob);
    // As a workflow moved from actions/cache writes them.
    const legacy = { 'upload-chunk-size': String(6 * MiB), 'save-always': 'true' };
    const miss = await runner.run(bundles.restore, job, inputs('legacy', 'legacy-1', legacy));
    expect(miss.code).toBe(0);
    expect(annotations(miss, 'warning')).toEqual([]);
    expect(annotations(miss, 'error')).toEqual([]);
    server.proxy.reset();
    const post = await runner.run(
      bundles.save,
      job,
      inputs('legacy', 'legacy-1', legacy),
      miss.state,
    );
    expect(post.code).toBe(0);
    expect(post.stdout).toContain('Cache saved with key: legacy-1');
    const parts = server.proxy.requests.filter((r) => r.key.includes('/archives/') && isPart(r));
    const sizes = parts.map((r) => Number(r.headers['content-length']));
    expect(sizes.length).toBe(3);
    expect(sizes.filter((n) => n === 6 * MiB)).toHaveLength(2);

    // A tiny chunk size, valid for GitHub's service, is raised to the stores' 5 MiB minimum.
    const small = runner.job();
    write(small, 'deps/blob.bin', blob);
    server.proxy.reset();
    const raised = await runner.run(
      bundles.save,
      small,
      inputs('legacy', 'legacy-2', { 'upload-chunk-size': '1048576' }),
    );
    expect(raised.code).toBe(0);
    expect(raised.stdout).toContain('Cache saved with key: legacy-2');
    const raisedParts = server.proxy.requests.filter(
      (r) => r.key.includes('/archives/') && isPart(r),
    );
    expect(Number(raisedParts[0]!.headers['content-length'])).toBe(5 * MiB);
  });

  test('SEGMENT_DOWNLOAD_TIMEOUT_MINS is the download deadline, as in actions/cache', async () => {
    const seed = runner.job();
    write(seed, 'deps/blob.bin', randomBytes(256 * 1024));
    expect((await runner.run(bundles.save, seed, inputs('deadline', 'slow-1'))).code).toBe(0);

    // The archive starts to arrive, then the store goes quiet; the stall timeout is far away.
    server.proxy.inject(
      (r) => r.method === 'GET' && r.key.includes('/archives/'),
      { kind: 'stall', afterBytes: 1000 },
      Infinity,
    );
    const job = runner.job();
    job.env.SEGMENT_DOWNLOAD_TIMEOUT_MINS = '0.03'; // 1.8 s
    const started = Date.now();
    const r = await runner.run(
      bundles.restore,
      job,
      inputs('deadline', 'slow-1', { 'stall-timeout': '600' }),
    );
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r.code).toBe(0);
    expect(r.outputs).toMatchObject({ 'cache-hit': 'false', 'cache-restored': 'false' });
    expect(annotations(r, 'warning').join('\n')).toMatch(
      /download did not finish within 2 s \(SEGMENT_DOWNLOAD_TIMEOUT_MINS\)/,
    );
    expect(existsSync(path.join(job.workspace, 'deps'))).toBe(false);

    // A value that is not a number of minutes names the variable and fails the step.
    const bad = runner.job();
    bad.env.SEGMENT_DOWNLOAD_TIMEOUT_MINS = 'ten';
    const refused = await runner.run(bundles.restore, bad, inputs('deadline', 'slow-1'));
    expect(refused.code).not.toBe(0);
    expect(annotations(refused, 'error').join('\n')).toMatch(
      /SEGMENT_DOWNLOAD_TIMEOUT_MINS must be a number of minutes/,
    );
  });

  test('an archive of several parts: multipart upload and parallel ranged download', async () => {
    const job = runner.job();
    const blob = randomBytes(20 * MiB); // incompressible: the archive stays over 20 MiB
    write(job, 'deps/blob.bin', blob);
    const transfer = { 'part-size': '5MiB', concurrency: '4' };
    const saved = await runner.run(bundles.save, job, inputs('big', 'big-1', transfer));
    expect(saved.code).toBe(0);
    expect(annotations(saved, 'warning')).toEqual([]);

    const archiveWrites = server.proxy.requests.filter((r) => r.key.includes('/archives/'));
    const parts = new Set(archiveWrites.filter(isPart).map((r) => r.query.get('partNumber')));
    expect(parts.size).toBeGreaterThan(3);
    expect(archiveWrites.some((r) => r.method === 'POST' && r.query.has('uploads'))).toBe(true);
    expect(archiveWrites.some((r) => r.method === 'POST' && r.query.has('uploadId'))).toBe(true);
    expect(await server.proxy.openUploads(server.bucket)).toEqual([]);

    server.proxy.reset();
    const fresh = runner.job();
    const hit = await runner.run(bundles.restore, fresh, inputs('big', 'big-1', transfer));
    expect(hit.code).toBe(0);
    expect(hit.outputs['cache-hit']).toBe('true');
    const size = Number(hit.outputs['cache-size']);
    expect(size).toBeGreaterThan(20 * MiB);
    // The download is 5 MiB ranges that tile the archive exactly.
    const ranges = [
      ...new Set(
        server.proxy.requests
          .filter((r) => r.method === 'GET' && r.key.includes('/archives/'))
          .map((r) => r.headers.range ?? 'none'),
      ),
    ];
    expect(ranges).not.toContain('none');
    const starts = ranges
      .map((r) => Number(/^bytes=(\d+)-(\d+)$/.exec(r)?.[1]))
      .sort((a, b) => a - b);
    expect(starts).toEqual(
      Array.from({ length: Math.ceil(size / (5 * MiB)) }, (_, i) => i * 5 * MiB),
    );
    expect(ranges).toContain(`bytes=${starts.at(-1)}-${size - 1}`);
    expect(server.proxy.peakRangedGets).toBeGreaterThan(1);
    expect(sha(read(fresh, 'deps/blob.bin'))).toBe(sha(blob));
  });

  test('restore-keys finds the newest of more than 1,000 entries under one prefix', async () => {
    // One real entry, saved by the bundle; its manifest is then copied to 1,049 more keys.
    const seedJob = runner.job();
    write(seedJob, 'deps/which.txt', 'seed');
    expect((await runner.run(bundles.save, seedJob, inputs('many', 'seed'))).code).toBe(0);
    const names = await objects('many/');
    const seed = names.find((n) => n.endsWith('/keys/seed'));
    expect(seed).toBeDefined();
    const keysFolder = seed!.slice(0, -'seed'.length);
    const body = Buffer.from(await getText(seed!));

    // many-0000 .. many-1049; many-1020 is left for the newest entry. s3rver lists 1,000 keys a
    // page, so the newest sits on the second page, and it is neither the first nor the last name.
    const newestKey = 'many-1020';
    const copies = Array.from(
      { length: 1050 },
      (_, i) => `many-${String(i).padStart(4, '0')}`,
    ).filter((k) => k !== newestKey);
    for (let i = 0; i < copies.length; i += 25) {
      await Promise.all(
        copies
          .slice(i, i + 25)
          .map((key) =>
            s3.send(
              new PutObjectCommand({ Bucket: server.bucket, Key: keysFolder + key, Body: body }),
            ),
          ),
      );
    }
    await sleep(1100); // stores report whole seconds: the newest must be newer by the clock
    const newest = runner.job();
    write(newest, 'deps/which.txt', 'newest');
    expect((await runner.run(bundles.save, newest, inputs('many', newestKey))).code).toBe(0);
    expect((await objects(keysFolder + 'many-')).length).toBe(1050);
    // The premise: a listing that stops after its first page never sees the newest entry.
    const firstPage = await s3.send(
      new ListObjectsV2Command({ Bucket: server.bucket, Prefix: `${keysFolder}many-` }),
    );
    expect(firstPage.IsTruncated).toBe(true);
    expect(firstPage.Contents?.map((o) => o.Key)).not.toContain(keysFolder + newestKey);

    server.proxy.reset();
    const job = runner.job();
    const r = await runner.run(
      bundles.restore,
      job,
      inputs('many', 'many-none', { 'restore-keys': 'many-' }),
    );
    expect(r.code).toBe(0);
    expect(annotations(r, 'warning')).toEqual([]);
    expect(r.outputs).toMatchObject({
      'cache-hit': 'false',
      'cache-restored': 'true',
      'cache-matched-key': newestKey,
    });
    expect(read(job, 'deps/which.txt').toString()).toBe('newest');
    const listings = server.proxy.requests.filter(
      (q) => q.method === 'GET' && q.query.get('prefix') === `${keysFolder}many-`,
    );
    expect(listings.length).toBeGreaterThan(1);
    expect(listings.slice(1).every((l) => l.query.get('continuation-token'))).toBe(true);
  });

  test('static keys are masked and never written anywhere else', async () => {
    // A proxy of our own, in front of the same s3rver, that checks signatures against a secret
    // that looks like a real one (with '/' and '+') and cannot be mistaken for other text.
    // s3rver itself only checks the access key ID. dataDir is only read for multipart
    // bookkeeping, which this small entry (one PutObject) never needs.
    const secret = `tEsT/${randomBytes(24).toString('base64')}+kEy`;
    const token = `session-${randomBytes(16).toString('hex')}`;
    const proxy = await S3Proxy.start({
      port: Number(new URL(server.upstreamEndpoint).port),
      dataDir: path.join(runner.root, 'unused'),
      accessKeyId: server.accessKeyId,
      secretAccessKey: secret,
    });
    try {
      const masked = (key: string, extra: Record<string, string> = {}) =>
        inputs('masked', key, {
          's3-endpoint': proxy.endpoint,
          'aws-secret-access-key': secret,
          'aws-session-token': token,
          ...extra,
        });
      const first = runner.job();
      project(first);
      const miss = await runner.run(bundles.restore, first, masked('k'));
      const post = await runner.run(bundles.save, first, masked('k'), miss.state);
      expect(post.stdout).toContain('Cache saved with key: k');
      const second = runner.job();
      const hit = await runner.run(bundles.restore, second, masked('k'));
      expect(hit.outputs['cache-hit']).toBe('true');
      // The proxy really checks this secret: a wrong one is refused (as a warning).
      const wrong = await runner.run(
        bundles.restore,
        runner.job(),
        masked('k', { 'aws-secret-access-key': 'wrong' }),
      );
      expect(wrong.outputs['cache-hit']).toBe('false');
      expect(annotations(wrong, 'warning').join('\n')).toContain('SignatureDoesNotMatch');

      for (const run of [miss, post, hit]) {
        expect(run.code).toBe(0);
        for (const value of [secret, token]) {
          const lines = run.stdout.split('\n').filter((l) => l.includes(value));
          expect(lines.length).toBeGreaterThan(0);
          expect(lines.every((l) => l === `::add-mask::${value}`)).toBe(true);
          expect(run.stderr).not.toContain(value);
          expect(JSON.stringify(run.state)).not.toContain(value);
          expect(JSON.stringify(run.outputs)).not.toContain(value);
          expect(run.summary).not.toContain(value);
        }
      }
      const manifest = (await objects('masked/')).find((n) => n.endsWith('/keys/k'));
      const text = await getText(manifest!);
      expect(JSON.parse(text)).toMatchObject({ key: 'k' });
      expect(text).not.toContain(secret);
      expect(text).not.toContain(token);
      expect(text).not.toContain(server.accessKeyId);
    } finally {
      await proxy.close();
    }
  });

  describe('storage failures are warnings, never failed steps', () => {
    test('a wrong secret key: a miss, and a warning that points at the credentials', async () => {
      const job = runner.job();
      const r = await runner.run(
        bundles.restore,
        job,
        inputs('combined', 'deps-a', { 'aws-secret-access-key': 'not-the-secret' }),
      );
      expect(r.code).toBe(0);
      expect(r.outputs).toMatchObject({ 'cache-hit': 'false', 'cache-restored': 'false' });
      const warnings = annotations(r, 'warning').join('\n');
      expect(warnings).toContain('cache restore failed');
      expect(warnings).toContain('check aws-secret-access-key');
      expect(warnings).not.toContain('not-the-secret');
      expect(r.stderr).not.toContain('not-the-secret');
      expect(existsSync(path.join(job.workspace, 'deps'))).toBe(false);
    });

    test('a bucket that does not exist: a warning that names s3-bucket', async () => {
      const r = await runner.run(
        bundles.restore,
        runner.job(),
        inputs('combined', 'deps-a', { 's3-bucket': 'no-such-bucket' }),
      );
      expect(r.code).toBe(0);
      expect(r.outputs['cache-hit']).toBe('false');
      const warnings = annotations(r, 'warning').join('\n');
      expect(warnings).toContain('NoSuchBucket');
      expect(warnings).toContain('check s3-bucket');
    });

    test('part uploads that keep failing: a warning, the upload aborted, nothing committed', async () => {
      server.proxy.inject(isPart, { kind: 'error', status: 500, code: 'InternalError' }, Infinity);
      const job = runner.job();
      write(job, 'deps/blob.bin', randomBytes(12 * MiB)); // three parts at 5 MiB
      const s = await runner.run(
        bundles.save,
        job,
        inputs('fault', 'f-1', { 'part-size': '5MiB' }),
      );
      expect(s.code).toBe(0);
      const warnings = annotations(s, 'warning').join('\n');
      expect(warnings).toContain('cache save failed');
      expect(warnings).toContain('InternalError');
      expect(s.stdout).not.toContain('Cache saved');
      expect(s.summary).toContain('failed');

      const seen = server.proxy.requests;
      expect(seen.some((r) => r.method === 'POST' && r.query.has('uploads'))).toBe(true);
      expect(seen.filter(isPart).length).toBeGreaterThan(1); // retried, then given up
      expect(seen.some((r) => r.method === 'DELETE' && r.query.has('uploadId'))).toBe(true);
      expect(seen.filter(isWrite).some((r) => r.key.includes('/keys/'))).toBe(false);
      expect(await server.proxy.openUploads(server.bucket)).toEqual([]);
      expect(await objects('fault/')).toEqual([]);

      server.proxy.reset();
      const r = await runner.run(bundles.restore, runner.job(), inputs('fault', 'f-1'));
      expect(r.outputs).toMatchObject({ 'cache-hit': 'false', 'cache-matched-key': '' });
    });
  });
});
