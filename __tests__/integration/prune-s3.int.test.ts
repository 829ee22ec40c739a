import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

import { annotations, bundles, type Job, Runner } from '../helpers/action-env.js';
import { abandonS3Upload, ageS3, type S3TestServer, startS3Server } from '../helpers/s3-server.js';

const DAY = 86_400_000;

// Eviction as a workflow runs it: restores through the restore bundle record last use, and the
// prune bundle (a scheduled workflow's step) evicts, against s3rver behind the proxy.
describe('last use and the prune action on the S3 backend', () => {
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

  const store = (prefix: string) => ({
    prefix,
    's3-bucket': server.bucket,
    's3-endpoint': server.endpoint,
    's3-region': server.region,
    's3-force-path-style': 'true',
    'aws-access-key-id': server.accessKeyId,
    'aws-secret-access-key': server.secretAccessKey,
  });
  const cache = (prefix: string, key: string) => ({ path: 'deps', key, ...store(prefix) });

  function project(job: Job, text: string): void {
    mkdirSync(path.join(job.workspace, 'deps'), { recursive: true });
    writeFileSync(path.join(job.workspace, 'deps', 'file.txt'), text);
  }

  async function objects(prefix: string): Promise<string[]> {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: prefix }));
    return (page.Contents ?? []).map((o) => o.Key!).sort();
  }

  async function save(prefix: string, key: string, repository = 'octo-org/app'): Promise<void> {
    const job = runner.job({ repository });
    project(job, key);
    const r = await runner.run(bundles.save, job, cache(prefix, key));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Cache saved with key: ${key}`);
  }

  test('a restore records its use once a day: one HEAD, and one small PUT on the first use', async () => {
    await save('use', 'deps-1');
    server.proxy.reset();
    const first = await runner.run(bundles.restore, runner.job(), cache('use', 'deps-1'));
    expect(first.outputs['cache-hit']).toBe('true');
    const used = (r: { key: string }) => r.key.includes('/used/');
    expect(server.proxy.requests.filter(used).map((r) => r.method)).toEqual(['HEAD', 'PUT']);
    expect((await objects('use/')).filter((n) => n.includes('/used/'))).toEqual([
      expect.stringMatching(/\/used\/deps-1$/),
    ]);

    server.proxy.reset();
    const again = await runner.run(bundles.restore, runner.job(), cache('use', 'deps-1'));
    expect(again.outputs['cache-hit']).toBe('true');
    expect(server.proxy.requests.filter(used).map((r) => r.method)).toEqual(['HEAD']);

    // A store that refuses the marker does not fail or slow the restore: it is only a debug line.
    server.proxy.reset();
    await ageS3(server, 'use/', DAY);
    server.proxy.inject((r) => used(r) && r.method === 'PUT', {
      kind: 'error',
      status: 403,
      code: 'AccessDenied',
    });
    const denied = await runner.run(bundles.restore, runner.job(), cache('use', 'deps-1'));
    expect(denied.code).toBe(0);
    expect(denied.outputs['cache-hit']).toBe('true');
    expect(annotations(denied, 'warning')).toEqual([]);
    expect(denied.stdout).toMatch(/::debug::could not record the use of .*deps-1/);
  });

  test('the prune action evicts unused entries of every repository, orphans and abandoned uploads; dry run first', async () => {
    await save('all', 'used-daily');
    await save('all', 'forgotten');
    await save('all', 'lib-cache', 'other-org/lib');
    await ageS3(server, 'all/', 10 * DAY);
    const hit = await runner.run(bundles.restore, runner.job(), cache('all', 'used-daily'));
    expect(hit.outputs['cache-hit']).toBe('true');

    // Leftovers of saves killed two days ago: an archive without its manifest, an open upload.
    const folder = (await objects('all/octo-org/app/')).find((n) => n.includes('/archives/'))!;
    const orphan = folder.replace(/[^/]+$/, 'killed.tar.zst');
    await s3.send(new PutObjectCommand({ Bucket: server.bucket, Key: orphan, Body: 'partial' }));
    const uploadName = folder.replace(/[^/]+$/, 'killed-too.tar.zst');
    await abandonS3Upload(server, uploadName);
    // And a save running right now, whose upload must survive.
    const running = folder.replace(/[^/]+$/, 'running.tar.zst');
    await ageS3(server, 'all/', 2 * DAY);
    await abandonS3Upload(server, running);

    const prune = { ...store('all'), 'unused-for': '7d', 'all-repositories': 'true' };
    const before = await objects('all/');
    const dry = await runner.run(bundles.prune, runner.job(), { ...prune, 'dry-run': 'true' });
    expect(dry.code).toBe(0);
    expect(dry.outputs['entries-removed']).toBe('2');
    expect(dry.stdout).toMatch(
      /Would delete forgotten \(octo-org\/app, refs\/heads\/main, .*\): not used within unused-for/,
    );
    expect(dry.stdout).toMatch(/Would delete lib-cache \(other-org\/lib, /);
    expect(dry.stdout).toContain(`Would abort unfinished upload ${uploadName}`);
    expect(await objects('all/')).toEqual(before);
    expect((await server.proxy.openUploads(server.bucket)).map((u) => u.key).sort()).toEqual(
      [running, uploadName].sort(),
    );

    const real = await runner.run(bundles.prune, runner.job(), prune);
    expect(real.code).toBe(0);
    expect(annotations(real, 'error')).toEqual([]);
    expect(real.outputs['entries-removed']).toBe('2');
    expect(Number(real.outputs['bytes-freed'])).toBeGreaterThan(0);
    const left = await objects('all/');
    expect(left.filter((n) => n.includes('/keys/'))).toEqual([
      expect.stringMatching(/octo-org\/app\/.*\/keys\/used-daily$/),
    ]);
    expect(left).not.toContain(orphan);
    expect(left.filter((n) => n.includes('/archives/'))).toHaveLength(1);
    expect((await server.proxy.openUploads(server.bucket)).map((u) => u.key)).toEqual([running]);
    // The restored entry still restores.
    const after = await runner.run(bundles.restore, runner.job(), cache('all', 'used-daily'));
    expect(after.outputs['cache-hit']).toBe('true');
  });

  test('max-total-size evicts the least recently used of this repository only; bad input names itself', async () => {
    for (const k of ['a', 'b', 'c']) await save('size', k);
    await save('size', 'elsewhere', 'other-org/lib');
    await ageS3(server, 'size/', 3 * DAY);
    await runner.run(bundles.restore, runner.job(), cache('size', 'a')); // the oldest, used today
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: server.bucket, Prefix: 'size/octo-org/app/' }),
    );
    const sizes = (page.Contents ?? []).filter((o) => o.Key!.includes('/archives/'));
    expect(sizes).toHaveLength(3);
    // Room for the largest one: the two least recently used go, whatever their age.
    const budget = Math.max(...sizes.map((o) => o.Size!));
    const r = await runner.run(bundles.prune, runner.job(), {
      ...store('size'),
      'max-total-size': String(budget),
    });
    expect(r.code).toBe(0);
    expect(r.outputs['entries-removed']).toBe('2');
    expect(r.stdout).toMatch(/Deleted b .*: least recently used beyond max-total-size/);
    expect((await objects('size/')).filter((n) => n.includes('/keys/'))).toEqual([
      expect.stringMatching(/octo-org\/app\/.*\/keys\/a$/),
      expect.stringMatching(/other-org\/lib\/.*\/keys\/elsewhere$/),
    ]);

    const bad = await runner.run(bundles.prune, runner.job(), {
      ...store('size'),
      'unused-for': '7 days',
    });
    expect(bad.code).not.toBe(0);
    expect(annotations(bad, 'error').join('\n')).toMatch(/unused-for must be a duration/);
  });
});
