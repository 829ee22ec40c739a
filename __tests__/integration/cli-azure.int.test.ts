import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { type Azurite, startAzurite } from '../helpers/azurite.js';
import { scratchDir } from '../helpers/fixtures.js';

// The built CLI as a Harness Plugin step runs it, with the settings of Harness's "Save and
// Restore Cache from Azure" guide exactly as written there (no container setting: the container
// is the first segment of cache_key), against Azurite.
const bundle = path.resolve('dist/cli/index.js');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('CLI plugin step on Azure, as Harness documents it', () => {
  let azurite: Azurite;
  const root = scratchDir('cli-azure-');
  // <+pipeline.variables.GRADLE_HOME>: the same absolute path on every run, as on one build image.
  const gradleHome = path.join(root, 'gradle-home');
  let n = 0;

  beforeAll(async () => {
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`npm run bundle\` first`);
    azurite = await startAzurite();
    // The containers the pipeline's variables name; creating them is the user's job, as in Azure.
    await azurite.containerClient('gradle-cache').create();
    await azurite.containerClient('shop-api').create();
  }, 60_000);
  afterAll(async () => {
    await azurite?.stop();
  });

  /** A fresh Harness workspace with the Gradle build file the key's checksum reads. */
  function workspace(gradle = 'plugins { id "java" }\n'): string {
    const ws = path.join(root, `ws-${++n}`);
    mkdirSync(path.join(ws, 'app'), { recursive: true });
    writeFileSync(path.join(ws, 'app', 'build.gradle'), gradle);
    return ws;
  }

  function gradleCaches(marker: string): void {
    rmSync(gradleHome, { recursive: true, force: true });
    const dir = path.join(gradleHome, 'caches', 'modules-2', 'files-2.1', 'org.example');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'lib-1.0.jar'), marker);
  }

  /**
   * The step's environment: each `settings:` entry as Harness passes it (PLUGIN_<NAME>, lists
   * comma-joined, <+...> expressions already resolved), and the DRONE_/Harness build variables.
   */
  function pluginStep(ws: string, settings: Record<string, string>): Record<string, string> {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: path.join(root, 'home'),
      TMPDIR: os.tmpdir(),
      DRONE: 'true',
      HARNESS_BUILD_ID: String(n),
      DRONE_BUILD_NUMBER: String(n),
      DRONE_REPO: 'acme/shop-api',
      DRONE_REPO_OWNER: 'acme',
      DRONE_REPO_NAME: 'shop-api',
      DRONE_REPO_BRANCH: 'main',
      DRONE_COMMIT_BRANCH: 'main',
      DRONE_BRANCH: 'main',
      DRONE_COMMIT_SHA: 'a1b2c3d4',
      DRONE_WORKSPACE: ws,
      // drone-cache's variable for a non-default blob endpoint: here, Azurite's.
      AZURE_BLOB_STORAGE_URL: azurite.endpoint,
    };
    for (const [name, value] of Object.entries(settings)) {
      env[`PLUGIN_${name.toUpperCase()}`] = value;
    }
    return env;
  }

  /** The settings block of the guide's steps, with its pipeline variables filled in. */
  const guideSettings = (cacheKey: string): Record<string, string> => ({
    cache_key: cacheKey,
    archive_format: 'gzip',
    mount: `${gradleHome}/caches/`,
    region: 'eastus',
    account_key: azurite.accountKey,
    account_name: azurite.accountName,
    backend: 'azure',
  });
  // <+pipeline.variables.AZURE_CONTAINER>/<+pipeline.identifier>/{{ .Commit.Branch }}-{{ checksum "<+pipeline.variables.BUILD_PATH>/build.gradle" }}
  const guideKey =
    'gradle-cache/Build_and_Test/{{ .Commit.Branch }}-{{ checksum "app/build.gradle" }}';

  function run(ws: string, settings: Record<string, string>): Result {
    const r = spawnSync(process.execPath, [bundle], {
      cwd: ws,
      env: pluginStep(ws, settings),
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  async function blobs(container: string): Promise<string[]> {
    const names: string[] = [];
    for await (const b of azurite.containerClient(container).listBlobsFlat()) names.push(b.name);
    return names;
  }

  test('rebuild, then restore: the container is the first segment of cache_key', async () => {
    const first = workspace();
    gradleCaches('jar v1');
    const rebuild = run(first, { rebuild: 'true', ...guideSettings(guideKey) });
    expect(rebuild.code).toBe(0);
    expect(rebuild.stderr).toMatch(
      /Azure container gradle-cache from the first segment of cache_key/,
    );
    expect(rebuild.stderr).toMatch(/Cache saved with key: Build_and_Test\/main-[0-9a-f]{64}/);
    const stored = await blobs('gradle-cache');
    expect(stored.some((b) => b.startsWith('acme/shop-api/') && b.includes('/keys/'))).toBe(true);
    expect(stored.some((b) => b.endsWith('.tar.gz'))).toBe(true);

    rmSync(gradleHome, { recursive: true, force: true });
    const second = workspace();
    const restore = run(second, { restore: 'true', ...guideSettings(guideKey) });
    expect(restore.code).toBe(0);
    expect(restore.stderr).toMatch(/Cache restored from key: Build_and_Test\/main-[0-9a-f]{64}/);
    const jar = path.join(gradleHome, 'caches/modules-2/files-2.1/org.example/lib-1.0.jar');
    expect(readFileSync(jar, 'utf8')).toBe('jar v1');
    // The account key is a secret: never in the log.
    expect(rebuild.stderr + restore.stderr).not.toContain(azurite.accountKey);

    // A restore step without mount restores the mount the rebuild step saved.
    rmSync(gradleHome, { recursive: true, force: true });
    const noMount = guideSettings(guideKey);
    delete noMount.mount;
    const pathless = run(workspace(), { restore: 'true', ...noMount });
    expect(pathless.code).toBe(0);
    expect(pathless.stderr).toMatch(/Paths saved with key Build_and_Test\/main-[0-9a-f]{64}: /);
    expect(readFileSync(jar, 'utf8')).toBe('jar v1');
    // Its key index sits beside the entry, in the same container and repository folder.
    const index = (await blobs('gradle-cache')).filter((b) => b.includes('/idx/'));
    expect(index).toEqual([expect.stringMatching(/^acme\/shop-api\/ref-.*\/idx\/Build_and_Test/)]);
  });

  test("a cache_key without a container segment uses the repository's name", async () => {
    const ws = workspace();
    gradleCaches('jar v2');
    const key = '{{ .Commit.Branch }}-{{ checksum "app/build.gradle" }}';
    const rebuild = run(ws, { rebuild: 'true', ...guideSettings(key) });
    expect(rebuild.code).toBe(0);
    expect(rebuild.stderr).toMatch(/Azure container shop-api, the repository's name/);
    expect((await blobs('shop-api')).filter((b) => b.includes('/keys/main-'))).toHaveLength(1);

    rmSync(gradleHome, { recursive: true, force: true });
    const restore = run(workspace(), { restore: 'true', ...guideSettings(key) });
    expect(restore.code).toBe(0);
    expect(restore.stderr).toMatch(/Cache restored from key: main-[0-9a-f]{64}/);
  });

  test('a container setting wins, and the whole cache_key stays the key', async () => {
    const ws = workspace('plugins { id "application" }\n');
    gradleCaches('jar v3');
    const rebuild = run(ws, {
      rebuild: 'true',
      ...guideSettings(guideKey),
      container: 'shop-api',
    });
    expect(rebuild.code).toBe(0);
    expect(rebuild.stderr).not.toMatch(/Azure container/);
    expect(rebuild.stderr).toMatch(
      /Cache saved with key: gradle-cache\/Build_and_Test\/main-[0-9a-f]{64}/,
    );
    expect((await blobs('shop-api')).some((b) => b.includes('/keys/gradle-cache%2F'))).toBe(true);
  });
});
