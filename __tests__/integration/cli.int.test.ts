import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The built CLI (`npm run bundle` → dist/cli/index.js) run as CI systems run it: a child process
// with real tar on the fs backend, configured by flags, BUCKET_CACHE_* or Harness PLUGIN_* env.
const bundle = path.resolve('dist/cli/index.js');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('bucket-cache CLI bundle on the fs backend', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'bucket-cache-cli-'));
  const store = path.join(root, 'store');
  let n = 0;
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  beforeAll(() => {
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`npm run bundle\` first`);
  });

  /** Only what a CI step would have: no GitHub variables leak in from the machine running jest. */
  function cli(args: string[], opts: { cwd: string; env?: Record<string, string> }): Result {
    const home = path.join(root, 'home');
    mkdirSync(home, { recursive: true });
    const r = spawnSync(process.execPath, [bundle, ...args], {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: home, TMPDIR: os.tmpdir(), ...opts.env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  function workspace(files: Record<string, string> = {}): string {
    const ws = path.join(root, `ws-${++n}`);
    mkdirSync(ws, { recursive: true });
    for (const [rel, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
      writeFileSync(path.join(ws, rel), content);
    }
    return ws;
  }

  const common = ['--fs-root', store, '--repository', 'acme/app', '--ref', 'main'];
  const project = {
    'deps/a.txt': 'alpha',
    'deps/sub/b.txt': 'beta',
    'other/c.txt': 'gamma',
    'lock.txt': 'v1',
  };

  test('save, then restore into a fresh workspace', () => {
    const first = workspace(project);
    const saved = cli(['save', '--path', 'deps', '--path', 'other', '--key', 'deps-1', ...common], {
      cwd: first,
    });
    expect(saved).toMatchObject({ code: 0, stdout: '' });
    expect(saved.stderr).toMatch(/Cache saved with key: deps-1 \(refs\/heads\/main/);
    // Workflow commands from the libraries never reach the log as `::` lines.
    expect(saved.stderr).not.toMatch(/^::/m);

    const second = workspace();
    const restored = cli(
      ['restore', '--path', 'deps', '--path', 'other', '--key', 'deps-1', '--json', ...common],
      { cwd: second },
    );
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({
      'cache-hit': true,
      'cache-restored': true,
      'cache-matched-key': 'deps-1',
      scope: 'refs/heads/main',
    });
    expect(readFileSync(path.join(second, 'deps/a.txt'), 'utf8')).toBe('alpha');
    expect(readFileSync(path.join(second, 'deps/sub/b.txt'), 'utf8')).toBe('beta');
    expect(readFileSync(path.join(second, 'other/c.txt'), 'utf8')).toBe('gamma');
  });

  test('! patterns exclude files and directories at any depth: not archived, not restored', () => {
    const first = workspace({
      'victim/keep.txt': 'kept',
      'victim/secret.txt': 'password',
      'victim/build.log': 'log',
      'victim/a/b/trace.log': 'log',
      'victim/a/b/data.bin': 'data',
    });
    const paths = [
      '--path',
      'victim',
      '--path',
      '!victim/secret.txt',
      '--path',
      '!victim/**/*.log',
    ];
    const keyArgs = ['--key', 'victim-1', '--compression', 'gzip', ...common];
    const saved = cli(['save', ...paths, ...keyArgs], { cwd: first });
    expect(saved.code).toBe(0);
    // The stored archive itself, listed by tar: the secret and the logs are not in it.
    const archive = walk(store).find((f) => f.endsWith('.tar.gz') && readFileSync(f).length > 0);
    const members = spawnSync('tar', ['-tzPf', archive!], { encoding: 'utf8' }).stdout;
    expect(members).toMatch(/^victim\/a\/b\/data\.bin$/m);
    expect(members).not.toMatch(/secret|\.log/);

    const second = workspace();
    const restored = cli(['restore', ...paths, ...keyArgs, '--json'], { cwd: second });
    expect(JSON.parse(restored.stdout)).toMatchObject({
      'cache-hit': true,
      'cache-restored': true,
    });
    expect(readFileSync(path.join(second, 'victim/keep.txt'), 'utf8')).toBe('kept');
    expect(readFileSync(path.join(second, 'victim/a/b/data.bin'), 'utf8')).toBe('data');
    for (const gone of ['victim/secret.txt', 'victim/build.log', 'victim/a/b/trace.log']) {
      expect(existsSync(path.join(second, gone))).toBe(false);
    }
  });

  test('CloudBees writeCache/readCache patterns: --includes and --excludes, one to one', () => {
    const files = {
      'maven-repo/org/acme/lib/1.0/lib-1.0.jar': 'release',
      'maven-repo/org/acme/lib/1.1-SNAPSHOT/lib-1.1-SNAPSHOT.jar': 'snapshot',
      'maven-repo/org/acme/lib/maven-metadata-SNAPSHOT.xml': 'snapshot metadata',
      'web/node_modules/left-pad/index.js': 'pad',
      'web/src/app.js': 'not cached',
      'node_modules/.bin/tool': 'tool',
    };
    // writeCache name: 'deps', includes: 'maven-repo/**,**/node_modules/**', excludes: '**SNAPSHOT**'
    const patterns = [
      '--includes',
      'maven-repo/**,**/node_modules/**',
      '--excludes',
      '**SNAPSHOT**',
    ];
    const first = workspace(files);
    const saved = cli(['save', ...patterns, '--key', 'deps', ...common], { cwd: first });
    expect(saved.code).toBe(0);
    expect(saved.stderr).toMatch(/Cache saved with key: deps/);

    // readCache name: 'deps', from an equivalent working directory: the same patterns, as env.
    const second = workspace();
    const restored = cli(['restore', '--key', 'deps', ...common], {
      cwd: second,
      env: {
        BUCKET_CACHE_INCLUDES: 'maven-repo/**,**/node_modules/**',
        BUCKET_CACHE_EXCLUDES: '**SNAPSHOT**',
      },
    });
    expect(restored.code).toBe(0);
    expect(restored.stderr).toMatch(/Cache restored from key: deps/);
    const at = (rel: string) => path.join(second, rel);
    expect(readFileSync(at('maven-repo/org/acme/lib/1.0/lib-1.0.jar'), 'utf8')).toBe('release');
    expect(readFileSync(at('web/node_modules/left-pad/index.js'), 'utf8')).toBe('pad');
    expect(readFileSync(at('node_modules/.bin/tool'), 'utf8')).toBe('tool');
    expect(existsSync(at('maven-repo/org/acme/lib/1.1-SNAPSHOT'))).toBe(false);
    expect(existsSync(at('maven-repo/org/acme/lib/maven-metadata-SNAPSHOT.xml'))).toBe(false);
    expect(existsSync(at('web/src'))).toBe(false);
  });

  test('CloudBees readCache as written: restore --key alone restores what was saved', () => {
    const files = {
      'maven-repo/org/acme/lib/1.0/lib-1.0.jar': 'release',
      'maven-repo/org/acme/lib/1.1-SNAPSHOT/lib-1.1-SNAPSHOT.jar': 'snapshot',
      'web/node_modules/left-pad/index.js': 'pad',
      'web/src/app.js': 'not cached',
    };
    // writeCache name: 'mvn', includes: 'maven-repo/**,**/node_modules/**', excludes: '**SNAPSHOT**'
    const first = workspace(files);
    const saveArgs = [
      '--includes',
      'maven-repo/**,**/node_modules/**',
      '--excludes',
      '**SNAPSHOT**',
    ];
    expect(cli(['save', '--key', 'mvn', ...saveArgs, ...common], { cwd: first }).code).toBe(0);

    // readCache name: 'mvn', in another agent's working directory.
    const second = workspace({ 'web/src/app.js': 'mine' });
    const restored = cli(['restore', '--key', 'mvn', '--json', ...common], { cwd: second });
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({
      'cache-hit': true,
      'cache-restored': true,
      paths: ['maven-repo', '**/node_modules', '!**/*SNAPSHOT*'],
    });
    expect(restored.stderr).toMatch(/Paths saved with key mvn: maven-repo, \*\*\/node_modules/);
    const at = (rel: string) => path.join(second, rel);
    expect(readFileSync(at('maven-repo/org/acme/lib/1.0/lib-1.0.jar'), 'utf8')).toBe('release');
    expect(readFileSync(at('web/node_modules/left-pad/index.js'), 'utf8')).toBe('pad');
    expect(existsSync(at('maven-repo/org/acme/lib/1.1-SNAPSHOT'))).toBe(false);
    expect(readFileSync(at('web/src/app.js'), 'utf8')).toBe('mine');

    // An absolute path inside the saving workspace ($WORKSPACE/deps) lands in this workspace.
    const abs = workspace(project);
    const absArgs = ['--key', 'abs', '--path', path.join(abs, 'deps'), ...common];
    expect(cli(['save', ...absArgs], { cwd: abs }).code).toBe(0);
    const elsewhere = workspace();
    const byKey = cli(['restore', '--key', 'abs', ...common], { cwd: elsewhere });
    expect(byKey.stderr).toMatch(/Paths saved with key abs: deps$/m);
    expect(readFileSync(path.join(elsewhere, 'deps/sub/b.txt'), 'utf8')).toBe('beta');

    // A key nobody saved is a plain miss; with paths given, lookups are as before.
    const miss = cli(['restore', '--key', 'nothing', ...common], { cwd: workspace() });
    expect(miss.code).toBe(0);
    expect(miss.stderr).toMatch(/Cache not found for input keys: nothing \(searched .*any paths\)/);
    // restore-keys work without paths too.
    const prefixed = cli(
      ['restore', '--key', 'mvn-2', '--restore-keys', 'mv', '--json', ...common],
      {
        cwd: workspace(),
      },
    );
    expect(JSON.parse(prefixed.stdout)).toMatchObject({
      'cache-hit': false,
      'cache-matched-key': 'mvn',
      'cache-restored': true,
    });
    // save still needs paths.
    const noPath = cli(['save', '--key', 'x', ...common], { cwd: workspace() });
    expect(noPath.code).toBe(2);
    expect(noPath.stderr).toMatch(/Input required and not supplied: path/);
  });

  test('a miss exits 0, or 1 with --fail-on-cache-miss', () => {
    const ws = workspace();
    const miss = cli(['restore', '--path', 'deps', '--key', 'absent', ...common], { cwd: ws });
    expect(miss.code).toBe(0);
    expect(miss.stderr).toMatch(/Cache not found for input keys: absent/);
    const fail = cli(
      ['restore', '--path', 'deps', '--key', 'absent', '--fail-on-cache-miss', ...common],
      { cwd: ws },
    );
    expect(fail.code).toBe(1);
    expect(fail.stderr).toMatch(/error: no cache entry found for key absent/);
  });

  test('a usage error exits 2 and names the problem', () => {
    const r = cli(['restore', '--pathh', 'deps'], { cwd: workspace() });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/error: unknown option --pathh\nRun bucket-cache --help for usage\./);
    const noKey = cli(['save', '--path', 'deps', ...common], { cwd: workspace() });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/key \(set with --key, BUCKET_CACHE_KEY or PLUGIN_CACHE_KEY\)/);
  });

  test('list (text and --json), delete, and prune --older-than', () => {
    const ws = workspace(project);
    const listStore = path.join(root, 'list-store');
    const env = {
      BUCKET_CACHE_FS_ROOT: listStore,
      BUCKET_CACHE_REPOSITORY: 'acme/tools',
      BUCKET_CACHE_REF: 'main',
    };
    for (const key of ['old-1', 'new-1', 'new-2']) {
      expect(cli(['save', '--path', 'deps', '--key', key], { cwd: ws, env }).code).toBe(0);
    }
    // Age one entry's manifest (the commit point) by ten days.
    const manifests = walk(listStore).filter((f) => f.includes('/keys/'));
    const old = manifests.find((f) => f.endsWith('/keys/old-1'))!;
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000);
    utimesSync(old, tenDaysAgo, tenDaysAgo);

    const text = cli(['list'], { cwd: ws, env });
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^KEY\s+SCOPE\s+VERSION\s+SIZE\s+CREATED$/);
    expect(
      lines
        .slice(1, -1)
        .map((l) => l.split(/\s+/)[0])
        .sort(),
    ).toEqual(['new-1', 'new-2', 'old-1']);
    expect(lines[lines.length - 1]).toMatch(/^3 entries, .*: acme\/tools in file:\/\//);

    const json = cli(['list', '--json', '--key', 'new-'], { cwd: ws, env });
    const entries = JSON.parse(json.stdout) as { key: string; scope: string; size: number }[];
    expect(entries.map((e) => e.key).sort()).toEqual(['new-1', 'new-2']);
    expect(entries.every((e) => e.scope === 'refs/heads/main' && e.size > 0)).toBe(true);

    const del = cli(['delete', '--key', 'new-2'], { cwd: ws, env });
    expect(del.code).toBe(0);
    expect(del.stdout).toMatch(/^Deleted 1 entry/);

    const pruned = cli(['prune', '--older-than', '7d'], { cwd: ws, env });
    expect(pruned.code).toBe(0);
    expect(pruned.stderr).toMatch(/Deleted old-1 .*older than --older-than/);
    const left = JSON.parse(cli(['list', '--json'], { cwd: ws, env }).stdout) as { key: string }[];
    expect(left.map((e) => e.key)).toEqual(['new-1']);
    // Nothing of the deleted entries stays behind: one manifest, its archive and key index remain.
    const kept = walk(listStore).filter((f) => !f.includes('.bucket-cache-tmp'));
    expect(kept.map((f) => f.split('/').slice(-3, -1).join('/'))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/\/keys$/),
        expect.stringMatching(/\/archives$/),
      ]),
    );
    expect(kept).toHaveLength(3);
    expect(kept.filter((f) => f.includes('/idx/new-1/'))).toHaveLength(1);
  });

  test('a Harness Plugin step driven only by PLUGIN_* settings: rebuild, then restore', () => {
    const pluginStore = path.join(root, 'plugin-store');
    const settings = (ws: string, extra: Record<string, string>) => ({
      // What Harness sets for a Plugin step with these settings, plus its DRONE_* variables.
      PLUGIN_BACKEND: 'filesystem',
      PLUGIN_FILESYSTEM_CACHE_ROOT: pluginStore,
      PLUGIN_CACHE_KEY: '{{ .Repo.Name }}/{{ .Commit.Branch }}-{{ checksum "lock.txt" }}',
      PLUGIN_MOUNT: 'deps,other',
      PLUGIN_ARCHIVE_FORMAT: 'gzip',
      DRONE: 'true',
      HARNESS_BUILD_ID: '17',
      DRONE_REPO: 'acme/service',
      DRONE_REPO_NAME: 'service',
      DRONE_COMMIT_BRANCH: 'main',
      DRONE_WORKSPACE: ws,
      ...extra,
    });
    const first = workspace(project);
    const rebuild = cli([], { cwd: first, env: settings(first, { PLUGIN_REBUILD: 'true' }) });
    expect(rebuild.code).toBe(0);
    expect(rebuild.stderr).toMatch(/Cache saved with key: service\/main-[0-9a-f]{64}/);

    // Harness hands the step an output file (DRONE_OUTPUT); it may hold other lines already.
    const second = workspace({ 'lock.txt': 'v1' });
    const outputs = path.join(second, 'restore-output.env');
    writeFileSync(outputs, 'EARLIER=kept\n');
    const restore = cli([], {
      cwd: second,
      env: settings(second, { PLUGIN_RESTORE: 'true', DRONE_OUTPUT: outputs }),
    });
    expect(restore.code).toBe(0);
    expect(restore.stderr).toMatch(/Cache restored from key: service\/main-[0-9a-f]{64}/);
    expect(readFileSync(path.join(second, 'deps/sub/b.txt'), 'utf8')).toBe('beta');
    expect(readFileSync(path.join(second, 'other/c.txt'), 'utf8')).toBe('gamma');
    const key = /Cache restored from key: (\S+)/.exec(restore.stderr)![1]!;
    expect(envFile(outputs)).toEqual({
      EARLIER: 'kept',
      'cache-hit': 'true',
      CACHE_HIT: 'true',
      'cache-matched-key': key,
      CACHE_MATCHED_KEY: key,
      'cache-restored': 'true',
      CACHE_RESTORED: 'true',
    });

    // A restore step without mount restores the mounts the rebuild step saved.
    const fourth = workspace({ 'lock.txt': 'v1' });
    const noMount: Record<string, string> = settings(fourth, { PLUGIN_RESTORE: 'true' });
    delete noMount.PLUGIN_MOUNT;
    const pathless = cli([], { cwd: fourth, env: noMount });
    expect(pathless.code).toBe(0);
    expect(pathless.stderr).toMatch(/Paths saved with key service\/main-[0-9a-f]{64}: deps, other/);
    expect(readFileSync(path.join(fourth, 'deps/sub/b.txt'), 'utf8')).toBe('beta');
    expect(readFileSync(path.join(fourth, 'other/c.txt'), 'utf8')).toBe('gamma');

    // A changed lock file is a different key: a miss, which fail_restore_if_key_not_present fails.
    const third = workspace({ 'lock.txt': 'v2' });
    const missOutputs = path.join(third, 'miss-output.env');
    const miss = cli([], {
      cwd: third,
      env: settings(third, {
        PLUGIN_RESTORE: 'true',
        PLUGIN_FAIL_RESTORE_IF_KEY_NOT_PRESENT: 'true',
        DRONE_OUTPUT: missOutputs,
      }),
    });
    expect(miss.code).toBe(1);
    expect(existsSync(path.join(third, 'deps'))).toBe(false);
    expect(envFile(missOutputs)).toMatchObject({
      'cache-hit': 'false',
      'cache-matched-key': '',
      'cache-restored': 'false',
    });
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** A KEY=value file as Harness reads DRONE_OUTPUT: one variable per line, split at the first '='. */
function envFile(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}
