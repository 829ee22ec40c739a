import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

import { scratchDir } from '../helpers/fixtures.js';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.js';

// The built CLI as Harness's "Save and Restore Cache from S3" pipeline runs it: a SaveCacheS3
// step with sourcePaths, key and archiveFormat Tar, then a RestoreCacheS3 step in another stage
// with only the key (and failIfKeyNotFound). Both steps are drone-cache underneath, so they reach
// the CLI as PLUGIN_* settings; the store is s3rver behind our signing-checking proxy. The proxy
// runs in this process, so the CLI is run asynchronously (spawnSync would block its answers).
const bundle = path.resolve('dist/cli/index.js');

describe('CLI on S3: Harness SaveCacheS3 / RestoreCacheS3, restore by key alone', () => {
  let server: S3TestServer;
  let s3: S3Client;
  const root = scratchDir('cli-s3-');
  // The stage's sharedPaths entry, /shared: the same absolute path in both stages.
  const shared = path.join(root, 'shared');

  beforeAll(async () => {
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`npm run bundle\` first`);
    server = await startS3Server();
    s3 = new S3Client({
      endpoint: server.endpoint,
      region: server.region,
      forcePathStyle: true,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
  }, 60_000);
  afterAll(async () => {
    s3?.destroy();
    await server?.stop();
  });

  /** A stage's workspace (/harness), at the same depth as every other stage's. */
  function stage(name: string, files: Record<string, string> = {}): string {
    const ws = path.join(root, name);
    mkdirSync(ws, { recursive: true });
    for (const [rel, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
      writeFileSync(path.join(ws, rel), content);
    }
    return ws;
  }

  /** The step's settings as PLUGIN_* variables, with the Harness build variables. */
  function step(ws: string, settings: Record<string, string>) {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: path.join(root, 'home'),
      TMPDIR: os.tmpdir(),
      DRONE: 'true',
      HARNESS_BUILD_ID: '7',
      DRONE_REPO: 'example/save-and-restore-aws',
      DRONE_REPO_NAME: 'save-and-restore-aws',
      DRONE_COMMIT_BRANCH: 'main',
      DRONE_WORKSPACE: ws,
      // The connector's credentials and, for this test, the store's address.
      PLUGIN_ACCESS_KEY: server.accessKeyId,
      PLUGIN_SECRET_KEY: server.secretAccessKey,
      PLUGIN_ENDPOINT: server.endpoint,
      PLUGIN_PATH_STYLE: 'true',
      PLUGIN_BACKEND: 's3',
      PLUGIN_BUCKET: server.bucket,
      PLUGIN_REGION: 'us-west-2',
    };
    for (const [k, v] of Object.entries(settings)) env[`PLUGIN_${k.toUpperCase()}`] = v;
    return cli([], ws, env);
  }

  function cli(
    args: string[],
    cwd: string,
    env: Record<string, string>,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [bundle, ...args],
        { cwd, env, encoding: 'utf8', timeout: 60_000 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  async function objects(): Promise<string[]> {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: server.bucket }));
    return (out.Contents ?? []).map((o) => o.Key!);
  }

  test('the restore stage gets back every source path, the workspace one and /shared', async () => {
    // s3_save_cache: `echo hello world > /shared/cache`, then SaveCacheS3.
    mkdirSync(shared, { recursive: true });
    writeFileSync(path.join(shared, 'cache'), 'hello world\n');
    const saveStage = stage('harness-save', { 'src/main/resources/app.properties': 'a=1\n' });
    const saved = await step(saveStage, {
      rebuild: 'true',
      mount: `src/main/resources,${path.join(shared, 'cache')}`,
      cache_key: 'cache-tar',
      archive_format: 'tar',
    });
    expect(saved.stderr).toMatch(/Cache saved with key: cache-tar/);
    expect(saved.code).toBe(0);

    // s3_restore_cache: a fresh stage (cloneCodebase: false), /shared empty again.
    rmSync(shared, { recursive: true, force: true });
    const restoreStage = stage('harness-restore');
    const restored = await step(restoreStage, {
      restore: 'true',
      cache_key: 'cache-tar',
      fail_restore_if_key_not_present: 'true',
      archive_format: 'tar',
    });
    expect(restored.stderr).toMatch(/Cache restored from key: cache-tar/);
    expect(restored.code).toBe(0);
    expect(readFileSync(path.join(restoreStage, 'src/main/resources/app.properties'), 'utf8')).toBe(
      'a=1\n',
    );
    expect(readFileSync(path.join(shared, 'cache'), 'utf8')).toBe('hello world\n');

    // failIfKeyNotFound: a key never saved fails the step, and writes nothing.
    const missStage = stage('harness-miss');
    const miss = await step(missStage, {
      restore: 'true',
      cache_key: 'other-key',
      fail_restore_if_key_not_present: 'true',
      archive_format: 'tar',
    });
    expect(miss.code).toBe(1);
    expect(miss.stderr).toMatch(/no cache entry found for key other-key/);

    // The key index lives beside the entry and goes with it: delete leaves nothing behind.
    expect((await objects()).filter((k) => k.includes('/idx/cache-tar/'))).toHaveLength(1);
    const del = await cli(
      [
        'delete',
        '--key',
        'cache-tar',
        '--repository',
        'example/save-and-restore-aws',
        '--s3-bucket',
        server.bucket,
        '--s3-endpoint',
        server.endpoint,
        '--aws-access-key-id',
        server.accessKeyId,
        '--aws-secret-access-key',
        server.secretAccessKey,
      ],
      restoreStage,
      { PATH: process.env.PATH ?? '', HOME: path.join(root, 'home') },
    );
    expect(del.stdout).toMatch(/^Deleted 1 entry/);
    expect(await objects()).toEqual([]);
  });
});
