import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { abandonAzureBlocks, type Azurite, startAzurite } from '../helpers/azurite.js';

const cliBundle = path.resolve('dist/cli/index.js');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// Last use and prune through the CLI bundle against Azurite, as a Jenkins or GitLab job runs them.
describe('last use and prune on the Azure backend (CLI)', () => {
  let azurite: Azurite;
  const root = mkdtempSync(path.join(os.tmpdir(), 'bucket-cache-prune-az-'));
  let n = 0;

  beforeAll(async () => {
    azurite = await startAzurite();
  }, 60_000);
  afterAll(async () => {
    await azurite?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  function cli(args: string[], repository = 'acme/app') {
    const ws = path.join(root, `ws-${++n}`);
    mkdirSync(path.join(ws, 'deps'), { recursive: true });
    writeFileSync(path.join(ws, 'deps', 'f.txt'), `content ${n}`);
    const r = spawnSync(process.execPath, [cliBundle, ...args], {
      cwd: ws,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: root,
        TMPDIR: os.tmpdir(),
        BUCKET_CACHE_AZURE_CONTAINER: azurite.container,
        AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
        BUCKET_CACHE_PREFIX: 'az',
        BUCKET_CACHE_REPOSITORY: repository,
        BUCKET_CACHE_REF: 'main',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  async function blobs(includeUncommitedBlobs = false): Promise<string[]> {
    const names: string[] = [];
    const client = azurite.containerClient();
    for await (const b of client.listBlobsFlat({ prefix: 'az/', includeUncommitedBlobs })) {
      names.push(b.name);
    }
    return names.sort();
  }

  test('restores mark use; prune --all-repositories --unused-for keeps what is used and clears abandoned blocks', async () => {
    const save = (key: string, repo?: string) =>
      expect(cli(['save', '--path', 'deps', '--key', key], repo).code).toBe(0);
    save('kept');
    save('dropped');
    save('lib', 'other/lib');
    const savedAt = Date.now();
    await sleep(3000);
    const restored = cli(['restore', '--path', 'deps', '--key', 'kept', '--json']);
    expect(JSON.parse(restored.stdout)).toMatchObject({ 'cache-hit': true });
    expect((await blobs()).filter((b) => b.includes('/used/'))).toEqual([
      expect.stringMatching(/^az\/acme\/app\/.*\/used\/kept$/),
    ]);
    // A save killed after staging its blocks.
    const archive = (await blobs()).find(
      (b) => b.startsWith('az/acme/app/') && b.includes('/archives/'),
    )!;
    const abandoned = archive.replace(/[^/]+$/, 'killed.tar.zst');
    await abandonAzureBlocks(azurite.containerClient(), abandoned);
    expect(await blobs(true)).toContain(abandoned);

    // Unused since the saves, but used within the time since the restore: computed at each run,
    // so the cutoff always falls between the saves and the restore however slow the machine is.
    const rules = () => [
      'prune',
      '--all-repositories',
      '--unused-for',
      `${Math.floor((Date.now() - savedAt) / 1000) - 1}s`,
      '--grace',
      '0s',
    ];
    const before = await blobs(true);
    const dry = cli([...rules(), '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    const plan = JSON.parse(dry.stdout) as {
      removed: { repository: string; key: string; reason: string }[];
      uploads: { name: string }[];
    };
    expect(plan.removed.map((e) => `${e.repository} ${e.key} ${e.reason}`).sort()).toEqual([
      'acme/app dropped unused-for',
      'other/lib lib unused-for',
    ]);
    expect(plan.uploads.map((u) => u.name)).toEqual([abandoned]);
    expect(await blobs(true)).toEqual(before);

    const real = cli(rules());
    expect(real.code).toBe(0);
    expect(real.stdout).toMatch(
      /^Deleted 2 entries .*; aborted 1 unfinished upload; 1 entry stays\.\n$/,
    );
    const left = await blobs(true);
    expect(left.filter((b) => b.includes('/keys/'))).toEqual([
      expect.stringMatching(/^az\/acme\/app\/.*\/keys\/kept$/),
    ]);
    expect(left).not.toContain(abandoned);
    // kept's manifest, archive, usage marker and key index; nothing of the removed entries.
    expect(left).toHaveLength(4);
    expect(left.filter((b) => b.includes('/idx/'))).toEqual([
      expect.stringMatching(/^az\/acme\/app\/.*\/idx\/kept\/[0-9a-f]{64}$/),
    ]);
    expect(await blobs(false)).toEqual(left);
    const again = cli(['restore', '--path', 'deps', '--key', 'kept', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ 'cache-hit': true });
  }, 120_000);
});
