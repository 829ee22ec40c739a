import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { CompressionMethod } from '../../../src/archive/archiver.js';
import type { CliDeps } from '../../../src/cli/commands.js';
import { main, translateWorkflowCommands } from '../../../src/cli/main.js';
import { StorageError } from '../../../src/errors.js';
import type { CompressionChoice } from '../../../src/settings.js';
import type { Backend } from '../../../src/storage/backend.js';
import { FakeArchiver } from '../../helpers/fake-archiver.js';
import { scratchDir } from '../../helpers/fixtures.js';
import { MemoryBackend } from '../../helpers/memory-backend.js';

type Env = Record<string, string | undefined>;

/** Parses a command's --json output. */
const json = (text: string) => JSON.parse(text) as Record<string, unknown>;

function setup() {
  const workspace = scratchDir('cli-ws-');
  mkdirSync(path.join(workspace, 'deps'));
  writeFileSync(path.join(workspace, 'deps', 'a.txt'), 'a');
  writeFileSync(path.join(workspace, 'package-lock.json'), '{"lockfileVersion":3}');
  const backend = new MemoryBackend();
  const archiver = new FakeArchiver();
  let store: Backend = backend;
  const deps: CliDeps = {
    createBackend: () => store,
    createArchiver: () => archiver,
    resolveCompression: (c: CompressionChoice): Promise<CompressionMethod> =>
      Promise.resolve(c === 'auto' ? 'zstd' : c),
    now: () => new Date(backend.now),
    platform: 'linux',
    arch: 'x64',
    tool: 'bucket-cache/test',
  };
  // A local run (no CI variables): the repository and workspace come from BUCKET_CACHE_*.
  const baseEnv: Env = {
    BUCKET_CACHE_FS_ROOT: '/not-used-memory-backend',
    BUCKET_CACHE_WORKSPACE: workspace,
    BUCKET_CACHE_REPOSITORY: 'acme/app',
  };
  const run = async (argv: string[], env: Env = {}) => {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, { ...baseEnv, ...env }, deps, {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
    });
    return { code, stdout, stderr };
  };
  const useStore = (b: Backend) => (store = b);
  return { workspace, backend, archiver, run, useStore };
}

/** A store that is down: every call fails the way a wrong bucket does. */
function brokenStore(message = 'bucket "b" does not exist'): Backend {
  const fail = (): Promise<never> =>
    Promise.reject(new StorageError(message, 'create the bucket or fix s3-bucket'));
  return {
    description: 's3://b',
    stat: fail,
    list: fail,
    get: fail,
    put: fail,
    delete: fail,
    listIncompleteUploads: fail,
    abortIncompleteUpload: fail,
    close: async () => {},
  };
}

describe('main: save and restore', () => {
  it('saves, then restores with an exact hit; stdout stays empty without --json', async () => {
    const { run, archiver } = setup();
    const saved = await run(['save', '--path', 'deps', '--key', 'deps-1']);
    expect(saved).toMatchObject({ code: 0, stdout: '' });
    expect(saved.stderr).toMatch(/Cache saved with key: deps-1/);
    expect(archiver.created).toHaveLength(1);

    const restored = await run(['restore', '--path', 'deps', '--key', 'deps-1']);
    expect(restored).toMatchObject({ code: 0, stdout: '' });
    expect(restored.stderr).toMatch(/Cache restored from key: deps-1/);
    expect(archiver.extracted).toHaveLength(1);
  });

  it('prints the action’s outputs with --json', async () => {
    const { run } = setup();
    await run(['save', '--path', 'deps', '--key', 'deps-1', '--json']).then((r) =>
      expect(json(r.stdout)).toMatchObject({
        key: 'deps-1',
        status: 'saved',
        scope: 'refs/heads/local',
      }),
    );
    const partial = await run([
      'restore',
      '--path',
      'deps',
      '--key',
      'deps-2',
      '--restore-keys',
      'deps-',
      '--json',
    ]);
    expect(json(partial.stdout)).toEqual({
      'cache-hit': false,
      'cache-primary-key': 'deps-2',
      'cache-matched-key': 'deps-1',
      'cache-restored': true,
      'cache-size': expect.any(Number) as unknown,
      scope: 'refs/heads/local',
      paths: ['deps'],
      failed: false,
    });
  });

  it('reports an existing entry and keeps it, unless --overwrite', async () => {
    const { run, backend } = setup();
    await run(['save', '--path', 'deps', '--key', 'k']);
    const again = await run(['save', '--path', 'deps', '--key', 'k']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(
      /already exists in refs\/heads\/local; not saving \(use --overwrite/,
    );
    backend.tick(5);
    const over = await run(['save', '--path', 'deps', '--key', 'k', '--overwrite', '--json']);
    expect(json(over.stdout).status).toBe('saved');
  });

  it('warns and saves nothing when no files match', async () => {
    const { run, backend } = setup();
    const r = await run(['save', '--path', 'missing', '--key', 'k']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: no files matched "missing"/);
    expect(backend.objects.size).toBe(0);
  });

  it('skips with --save false', async () => {
    const { run, backend } = setup();
    const r = await run(['save', '--path', 'deps', '--key', 'k', '--save', 'false']);
    expect(r).toMatchObject({ code: 0 });
    expect(r.stderr).toMatch(/Not saving: save is false/);
    expect(backend.objects.size).toBe(0);
  });

  it('renders key templates before saving and restoring', async () => {
    const { run } = setup();
    const key = 'npm-{{ os }}-{{ hashFiles "package-lock.json" }}';
    const saved = await run(['save', '--path', 'deps', '--key', key, '--json']);
    expect(json(saved.stdout).key).toMatch(/^npm-linux-[0-9a-f]{64}$/);
    const restored = await run(['restore', '--path', 'deps', '--key', key, '--json']);
    expect(json(restored.stdout)['cache-hit']).toBe(true);
  });

  it('reads a pull request’s target branch entries (the CloudBees readCache behaviour)', async () => {
    const { run } = setup();
    await run(['save', '--path', 'deps', '--key', 'mvn-1', '--ref', 'main']);
    const pr = await run(
      ['restore', '--path', 'deps', '--key', 'mvn-1', '--json'],
      // A Jenkins multibranch pull request build.
      {
        JENKINS_URL: 'https://ci/',
        JOB_NAME: 'acme/app/PR-7',
        BRANCH_NAME: 'PR-7',
        CHANGE_BRANCH: 'feature',
        CHANGE_TARGET: 'main',
      },
    );
    expect(json(pr.stdout)).toMatchObject({ 'cache-hit': true, scope: 'refs/heads/main' });
  });
});

describe('main: exit codes', () => {
  it('exits 0 on a plain miss, 1 with --fail-on-cache-miss', async () => {
    const { run } = setup();
    const miss = await run(['restore', '--path', 'deps', '--key', 'nope']);
    expect(miss.code).toBe(0);
    expect(miss.stderr).toMatch(/Cache not found for input keys: nope/);
    const failing = await run([
      'restore',
      '--path',
      'deps',
      '--key',
      'nope',
      '--fail-on-cache-miss',
    ]);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toMatch(/error: no cache entry found for key nope; exiting 1/);
    const viaEnv = await run(['restore', '--path', 'deps', '--key', 'nope'], {
      BUCKET_CACHE_FAIL_ON_CACHE_MISS: 'true',
    });
    expect(viaEnv.code).toBe(1);
  });

  it('exits 2 on a usage error, pointing at --help', async () => {
    const { run } = setup();
    const r = await run(['restore', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: unknown option --bogus\nRun bucket-cache --help/);
    expect((await run([])).code).toBe(2);
    expect((await run([])).stderr).toMatch(/no command given/);
  });

  it('exits 2 on a configuration error, naming the flag and the variables', async () => {
    const { run } = setup();
    const noKey = await run(['restore', '--path', 'deps']);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(
      /Input required and not supplied: key \(set with --key, BUCKET_CACHE_KEY or PLUGIN_CACHE_KEY\)/,
    );
    const noStore = await run(['restore', '--path', 'deps', '--key', 'k'], {
      BUCKET_CACHE_FS_ROOT: undefined,
    });
    expect(noStore.code).toBe(2);
    expect(noStore.stderr).toMatch(
      /No cache storage is configured.*--backend, BUCKET_CACHE_BACKEND or PLUGIN_BACKEND/,
    );
    const badKey = await run(['save', '--path', 'deps', '--key', 'a,b']);
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toMatch(/cannot contain commas/);
    const badTemplate = await run(['save', '--path', 'deps', '--key', '{{ nope }}']);
    expect(badTemplate.code).toBe(2);
    expect(badTemplate.stderr).toMatch(/unknown template function "nope"/);
  });

  it('says which variable supplied a bad value', async () => {
    const { run } = setup();
    const r = await run(['restore'], {
      BUCKET_CACHE_FS_ROOT: undefined,
      PLUGIN_RESTORE: 'true',
      PLUGIN_CACHE_KEY: 'k',
      PLUGIN_MOUNT: 'deps',
      PLUGIN_BUCKET: 'b',
      PLUGIN_ENCRYPTION: 'rot13',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /s3-sse must be one of AES256, aws:kms; got "rot13"\. \(set with --s3-sse, BUCKET_CACHE_S3_SSE or PLUGIN_ENCRYPTION; the value came from PLUGIN_ENCRYPTION\)/,
    );
  });

  it('restore and save warn with the cause and fix on a storage failure, and exit 0', async () => {
    const { run, useStore } = setup();
    useStore(brokenStore());
    const restore = await run(['restore', '--path', 'deps', '--key', 'k', '--json']);
    expect(restore.code).toBe(0);
    expect(restore.stderr).toMatch(
      /warning: cache restore failed: bucket "b" does not exist\. Fix: create the bucket or fix s3-bucket/,
    );
    expect(json(restore.stdout)).toMatchObject({ failed: true, 'cache-hit': false });
    const save = await run(['save', '--path', 'deps', '--key', 'k']);
    expect(save.code).toBe(0);
    expect(save.stderr).toMatch(/warning: cache save failed: bucket "b" does not exist\. Fix:/);
  });

  it('exits 1 on a storage failure with --strict, BUCKET_CACHE_STRICT or PLUGIN_EXIT_CODE', async () => {
    const { run, useStore } = setup();
    useStore(brokenStore());
    expect((await run(['restore', '--path', 'deps', '--key', 'k', '--strict'])).code).toBe(1);
    expect((await run(['save', '--path', 'deps', '--key', 'k', '--strict'])).code).toBe(1);
    expect(
      (await run(['save', '--path', 'deps', '--key', 'k'], { BUCKET_CACHE_STRICT: 'true' })).code,
    ).toBe(1);
    expect(
      (await run(['restore', '--path', 'deps', '--key', 'k'], { PLUGIN_EXIT_CODE: 'true' })).code,
    ).toBe(1);
    expect(
      (await run(['restore', '--path', 'deps', '--key', 'k', '--fail-on-cache-miss'])).code,
    ).toBe(1);
  });

  it('exits 1 when list, delete or prune cannot reach the store', async () => {
    const { run, useStore } = setup();
    useStore(brokenStore());
    for (const argv of [['list'], ['delete', '--all'], ['prune', '--older-than', '1d']]) {
      const r = await run(argv);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(`error: ${argv[0]} failed: bucket "b" does not exist\\. Fix:`),
      );
    }
  });

  it('never prints secrets, even inside an error from the store', async () => {
    const { run, useStore } = setup();
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    useStore(brokenStore(`signature mismatch for secret ${secret}`));
    const r = await run(['restore', '--path', 'deps', '--key', 'k', '--debug'], {
      PLUGIN_ACCESS_KEY: 'AKIAIOSFODNN7EXAMPLE',
      PLUGIN_SECRET_KEY: secret,
    });
    expect(r.stderr).toMatch(/signature mismatch for secret \*\*\*/);
    expect(r.stderr + r.stdout).not.toContain(secret);
  });

  it('masks the signature inside a SAS token, raw and decoded, as the action does', async () => {
    const { run, useStore } = setup();
    const sig = 'AbC%2Bd%2Fe%3DsignatureValue';
    const decoded = decodeURIComponent(sig);
    useStore(brokenStore(`server said: signature ${decoded} (sent sig=${sig}) did not match`));
    const r = await run([
      'restore',
      '--path',
      'deps',
      '--key',
      'k',
      '--backend',
      'azure',
      '--azure-container',
      'cache',
      '--azure-endpoint',
      'http://127.0.0.1:9/devstoreaccount1',
      '--azure-sas-token',
      `sv=2025-01-05&sp=racwdl&sig=${sig}`,
    ]);
    expect(r.stderr).toMatch(/server said: signature \*\*\* \(sent sig=\*\*\*\) did not match/);
    expect(r.stderr + r.stdout).not.toContain(decoded);
    expect(r.stderr + r.stdout).not.toContain(sig);
  });

  it('prints help and version on stdout', async () => {
    const { run } = setup();
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: bucket-cache <command>/);
    const version = await run(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^bucket-cache\/\d+\.\d+\.\d+\n$/);
  });
});

describe('main: Harness/Drone plugin steps', () => {
  const plugin: Env = {
    BUCKET_CACHE_FS_ROOT: undefined,
    PLUGIN_BACKEND: 'filesystem',
    PLUGIN_FILESYSTEM_CACHE_ROOT: '/cache',
    PLUGIN_CACHE_KEY: '{{ .Commit.Branch }}-{{ checksum "package-lock.json" }}',
    PLUGIN_MOUNT: 'deps',
    DRONE_COMMIT_BRANCH: 'main',
  };

  it('runs save for rebuild: true and restore for restore: true, with no arguments', async () => {
    const { run } = setup();
    const saved = await run([], { ...plugin, PLUGIN_REBUILD: 'true' });
    expect(saved.code).toBe(0);
    expect(saved.stderr).toMatch(/Cache saved with key: main-[0-9a-f]{64}/);
    const restored = await run([], { ...plugin, PLUGIN_RESTORE: 'true' });
    expect(restored.code).toBe(0);
    expect(restored.stderr).toMatch(/Cache restored from key: main-[0-9a-f]{64}/);
  });

  it('replaces the entry on every rebuild, as drone-cache’s override does', async () => {
    const { run, backend } = setup();
    await run([], { ...plugin, PLUGIN_REBUILD: 'true' });
    backend.tick(5);
    const again = await run([], { ...plugin, PLUGIN_REBUILD: 'true' });
    expect(again.stderr).toMatch(/Cache saved with key/);
    const kept = await run([], { ...plugin, PLUGIN_REBUILD: 'true', PLUGIN_OVERRIDE: 'false' });
    expect(kept.stderr).toMatch(/already exists/);
  });

  it('fails on a miss with fail_restore_if_key_not_present', async () => {
    const { run } = setup();
    const r = await run([], {
      ...plugin,
      PLUGIN_RESTORE: 'true',
      PLUGIN_FAIL_RESTORE_IF_KEY_NOT_PRESENT: 'true',
    });
    expect(r.code).toBe(1);
  });

  it('refuses restore and rebuild together, and warns about settings it ignores', async () => {
    const { run } = setup();
    const both = await run([], { ...plugin, PLUGIN_RESTORE: 'true', PLUGIN_REBUILD: 'true' });
    expect(both.code).toBe(2);
    const role = await run([], {
      ...plugin,
      PLUGIN_RESTORE: 'true',
      PLUGIN_ASSUME_ROLE: 'arn:aws:iam::1:role/r',
    });
    expect(role.stderr).toMatch(/warning: PLUGIN_ASSUME_ROLE is ignored/);
  });
});

describe('main: list, delete, prune', () => {
  async function filled() {
    const s = setup();
    await s.run(['save', '--path', 'deps', '--key', 'npm-1', '--ref', 'main']);
    s.backend.tick(3 * 86_400);
    await s.run(['save', '--path', 'deps', '--key', 'npm-2', '--ref', 'main']);
    s.backend.tick(1);
    await s.run(['save', '--path', 'deps', '--key', 'npm-2', '--ref', 'feature']);
    s.backend.tick(60);
    return s;
  }

  it('lists entries as a table on stdout', async () => {
    const { run } = await filled();
    const r = await run(['list']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^KEY\s+SCOPE\s+VERSION\s+SIZE\s+CREATED$/);
    expect(lines.slice(1, 4).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'npm-2 refs/heads/feature',
      'npm-2 refs/heads/main',
      'npm-1 refs/heads/main',
    ]);
    expect(lines[3]).toMatch(/\(3d ago\)/);
    expect(lines[4]).toMatch(/^3 entries, .*: acme\/app in memory:\/\//);
  });

  it('flags entries that cannot be restored', async () => {
    const { run, backend } = await filled();
    const [first] = JSON.parse((await run(['list', '--json', '--key', 'npm-1'])).stdout) as {
      archive: string;
    }[];
    await backend.delete(first!.archive);
    const r = await run(['list']);
    expect(r.stdout.split('\n')[0]).toMatch(/\bNOTE$/);
    expect(r.stdout).toMatch(/npm-1 .* ! archive is missing\n/);
  });

  it('lists as JSON, filtered by key prefix and ref', async () => {
    const { run } = await filled();
    const r = await run(['list', '--json', '--key', 'npm-2', '--ref', 'feature']);
    const entries = JSON.parse(r.stdout) as {
      key: string;
      scope: string;
      size: number;
      paths: string[];
    }[];
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      key: 'npm-2',
      scope: 'refs/heads/feature',
      paths: ['deps'],
      problem: null,
    });
    expect(entries[0]!.size).toBeGreaterThan(0);
    const none = await run(['list', '--key', 'zzz']);
    expect(none.stdout).toMatch(/^No cache entries for acme\/app, key zzz in memory:\/\/\.\n$/);
  });

  it('deletes one key in every scope, or only in --ref; --dry-run deletes nothing', async () => {
    const { run } = await filled();
    const dry = await run(['delete', '--key', 'npm-2', '--dry-run']);
    expect(dry.stdout).toMatch(/Would delete 2 entries/);
    expect(JSON.parse((await run(['list', '--json'])).stdout) as unknown[]).toHaveLength(3);
    const one = await run(['delete', '--key', 'npm-2', '--ref', 'refs/heads/feature']);
    expect(one).toMatchObject({ code: 0 });
    expect(one.stderr).toMatch(/Deleted npm-2 \(refs\/heads\/feature/);
    expect(JSON.parse((await run(['list', '--json'])).stdout) as unknown[]).toHaveLength(2);
    const nothing = await run(['delete', '--key', 'npm-2', '--ref', 'feature']);
    expect(nothing.code).toBe(0);
    expect(nothing.stdout).toMatch(/^Nothing to delete/);
    expect((await run(['delete'])).code).toBe(2);
    expect((await run(['delete', '--all', '--key', 'x'])).code).toBe(2);
    await run(['delete', '--all']);
    expect(JSON.parse((await run(['list', '--json'])).stdout) as unknown[]).toEqual([]);
  });

  it('prunes by age, reporting why', async () => {
    const { run } = await filled();
    const r = await run(['prune', '--older-than', '2d']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Deleted npm-1 \(refs\/heads\/main, .*\): older than --older-than/);
    expect(r.stdout).toMatch(/^Deleted 1 entry and 0 orphaned archives .*; 2 entries stay\.\n$/);
    const keep = await run(['prune', '--keep', '1', '--json', '--dry-run']);
    expect(json(keep.stdout)).toMatchObject({ dryRun: true, removed: [] });
  });
});

describe('main: last use and eviction', () => {
  it("a restore records the entry's use once a day; prune --unused-for keeps what is restored", async () => {
    const s = setup();
    await s.run(['save', '--path', 'deps', '--key', 'npm-1', '--ref', 'main']);
    await s.run(['save', '--path', 'deps', '--key', 'npm-2', '--ref', 'main']);
    s.backend.tick(10 * 86_400);
    const markers = () => [...s.backend.objects.keys()].filter((n) => n.includes('/used/'));
    const restore = ['restore', '--path', 'deps', '--key', 'npm-1', '--ref', 'main', '--json'];
    expect(json((await s.run(restore)).stdout)).toMatchObject({ 'cache-hit': true });
    expect(markers()).toEqual([expect.stringMatching(/\/used\/npm-1$/)]);
    s.backend.calls.length = 0;
    s.backend.tick(3600);
    await s.run(restore);
    // The same day: one stat of the marker, no write.
    expect(s.backend.calls.filter((c) => c.includes('/used/'))).toEqual([
      expect.stringMatching(/^stat .*\/used\/npm-1$/),
    ]);
    // A lookup is not a use.
    s.backend.calls.length = 0;
    await s.run(['restore', '--path', 'deps', '--key', 'npm-2', '--ref', 'main', '--lookup-only']);
    expect(s.backend.calls.filter((c) => c.includes('/used/'))).toEqual([]);

    const listed = JSON.parse((await s.run(['list', '--json'])).stdout) as {
      key: string;
      lastUsed: string;
      lastModified: string;
    }[];
    const npm1 = listed.find((e) => e.key === 'npm-1')!;
    expect(Date.parse(npm1.lastUsed)).toBeGreaterThan(Date.parse(npm1.lastModified));

    const r = await s.run(['prune', '--unused-for', '7d']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /Deleted npm-2 \(refs\/heads\/main, .*\): not used within --unused-for/,
    );
    expect(r.stdout).toMatch(/^Deleted 1 entry .*; 1 entry stays\.\n$/);
    expect(markers()).toHaveLength(1);
  });

  it('prunes every repository with --all-repositories, and refuses it with --repository', async () => {
    const s = setup();
    await s.run(['save', '--path', 'deps', '--key', 'a', '--ref', 'main']);
    await s.run(['save', '--path', 'deps', '--key', 'b', '--ref', 'main'], {
      BUCKET_CACHE_REPOSITORY: 'other/lib',
    });
    s.backend.tick(30 * 86_400);
    const dry = await s.run([
      'prune',
      '--all-repositories',
      '--unused-for',
      '1w',
      '--dry-run',
      '--json',
    ]);
    const plan = json(dry.stdout) as { removed: { repository: string; key: string }[] };
    expect(plan.removed.map((e) => `${e.repository} ${e.key}`).sort()).toEqual([
      'acme/app a',
      'other/lib b',
    ]);
    expect(dry.stderr).toMatch(/Would delete b \(other\/lib, refs\/heads\/main/);
    const both = await s.run(['prune', '--all-repositories', '--repository', 'x/y', '--keep', '1']);
    expect(both.code).toBe(2);
    const real = await s.run(['prune', '--all-repositories', '--unused-for', '1w']);
    expect(real.stdout).toMatch(/^Deleted 2 entries/);
    expect(s.backend.objects.size).toBe(0);
  });
});

describe('translateWorkflowCommands', () => {
  it('turns @actions/core output into plain text', () => {
    expect(translateWorkflowCommands('::debug::spawn tar\n', false)).toBe('');
    expect(translateWorkflowCommands('::debug::spawn tar\n', true)).toBe('debug: spawn tar\n');
    expect(translateWorkflowCommands('::warning title=x::50%25 done%0Anext\n', false)).toBe(
      'warning: 50% done\nnext\n',
    );
    expect(translateWorkflowCommands('::add-mask::s3cret\nplain line\n', false)).toBe(
      'plain line\n',
    );
  });
});
