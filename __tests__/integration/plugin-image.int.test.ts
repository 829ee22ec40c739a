import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The Plugin step image without Docker: the files the Dockerfile COPYs, laid out where it puts
// them (away from the repository and its node_modules), run through its ENTRYPOINT as Harness
// runs a Plugin step: PLUGIN_* settings, no arguments, in the workspace.

const repo = path.resolve('.');
const dockerfile = readFileSync(path.join(repo, 'Dockerfile'), 'utf8');

/** The image's file system: each `COPY src dest` of the Dockerfile, under `root`. */
function assemble(root: string): void {
  for (const m of dockerfile.matchAll(/^COPY\s+(\S+)\s+(\S+)\s*$/gm)) {
    cpSync(path.join(repo, m[1]!), path.join(root, m[2]!), { recursive: true });
  }
}

function entrypoint(): string[] {
  const m = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(dockerfile);
  if (!m) throw new Error('the Dockerfile has no exec-form ENTRYPOINT');
  return JSON.parse(m[1]!) as string[];
}

test('the image runs the CLI bundle alone, in plugin mode, from PLUGIN_* settings', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'plugin-image-'));
  try {
    const image = path.join(root, 'image');
    assemble(image);
    const [program, script, ...args] = entrypoint();
    expect(program).toBe('node');
    const run = (ws: string, extra: Record<string, string>) =>
      spawnSync(process.execPath, [path.join(image, script!), ...args], {
        cwd: ws,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: root,
          PLUGIN_BACKEND: 'filesystem',
          PLUGIN_FILESYSTEM_CACHE_ROOT: path.join(root, 'store'),
          PLUGIN_CACHE_KEY: 'deps-{{ checksum "lock.txt" }}',
          PLUGIN_MOUNT: 'deps',
          DRONE: 'true',
          DRONE_REPO: 'acme/service',
          DRONE_COMMIT_BRANCH: 'main',
          DRONE_WORKSPACE: ws,
          ...extra,
        },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const first = path.join(root, 'first');
    mkdirSync(path.join(first, 'deps'), { recursive: true });
    writeFileSync(path.join(first, 'lock.txt'), 'v1');
    writeFileSync(path.join(first, 'deps', 'a.txt'), 'alpha');
    const rebuild = run(first, { PLUGIN_REBUILD: 'true' });
    expect(rebuild.stderr).toMatch(/Cache saved with key: deps-[0-9a-f]{64}/);
    expect(rebuild.status).toBe(0);

    const second = path.join(root, 'second');
    mkdirSync(second);
    writeFileSync(path.join(second, 'lock.txt'), 'v1');
    const restore = run(second, { PLUGIN_RESTORE: 'true' });
    expect(restore.stderr).toMatch(/Cache restored from key: deps-[0-9a-f]{64}/);
    expect(restore.status).toBe(0);
    expect(readFileSync(path.join(second, 'deps', 'a.txt'), 'utf8')).toBe('alpha');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
