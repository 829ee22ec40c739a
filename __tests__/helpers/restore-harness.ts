import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  realpath,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';

import type { CompressionMethod, CreateOptions } from '../../src/archive/archiver.js';
import { TarArchiver } from '../../src/archive/tar-archiver.js';
import type { TarCommand } from '../../src/archive/tar-args.js';
import { restoreCache, type RestoreResult } from '../../src/cache/restore-cache.js';
import { saveCache } from '../../src/cache/save-cache.js';
import type { RunContext } from '../../src/context.js';
import { cacheSettings, quiet, transferSettings } from './fixtures.js';
import { MemoryBackend } from './memory-backend.js';

/** Saves exactly `bytes` as the archive, so the manifest's size and sha256 match them. */
class BytesArchiver extends TarArchiver {
  constructor(private readonly bytes: Buffer) {
    super({ logger: quiet });
  }
  override create(_opts: CreateOptions): Readable {
    return Readable.from([this.bytes]);
  }
}

export const zstd = (plain: Buffer): Buffer =>
  spawnSync('zstd', ['-q', '-c'], { input: plain }).stdout;

/** Processes this test process started that are still running (zstd, gzip, tar). */
export function children(): string[] {
  return execFileSync('ps', ['-eo', 'ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().match(/^(\d+)\s+(.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null && Number(m[1]) === process.pid)
    .map((m) => m[2]!)
    .filter((args) => !args.startsWith('ps '));
}

/** Every path below `dir` with its type, mode and content: equal snapshots = no writes. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    const abs = path.join(dir, rel);
    const st = await lstat(abs);
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isSymbolicLink()) out[rel] = `link -> ${await readlink(abs)}`;
    else if (st.isDirectory()) {
      out[rel] = `dir ${mode} ${st.mtimeMs}`;
      for (const name of (await readdir(abs)).sort()) await walk(path.join(rel, name));
    } else {
      const sha = createHash('sha256')
        .update(await readFile(abs))
        .digest('hex');
      out[rel] = `file ${mode} ${st.mtimeMs} ${sha}`;
    }
  };
  await walk('.');
  return out;
}

/**
 * A sandbox for whole restores through restoreCache with the real archiver: `root` holds the
 * workspace `ws` (declared path `ws/cache`, with a file in it) and `outside` (with a secret);
 * the run's scratch directory is elsewhere, so snapshots of `root` see only real writes.
 */
export interface RestoreSandbox {
  root: string;
  ws: string;
  outside: string;
  tempDir: string;
  backend: MemoryBackend;
  /** Stores `bytes` as the entry's archive (method as given). */
  save(bytes: Buffer, method: CompressionMethod): Promise<void>;
  restore(method: CompressionMethod): Promise<RestoreResult>;
  /** Serve the archive object as `body()` instead of what was saved. */
  serveArchive(body: () => Readable): void;
  cleanup(): Promise<void>;
}

/** `tar`: the tar that extracts (default: found as on a runner). */
export async function restoreSandbox(paths = ['cache'], tar?: TarCommand): Promise<RestoreSandbox> {
  const root = await realpath(await mkdtemp(path.join(tmpdir(), 'restore-sandbox-')));
  const ws = path.join(root, 'ws');
  const outside = path.join(root, 'outside');
  for (const d of [ws, outside, path.join(ws, 'cache')]) await mkdir(d);
  await writeFile(path.join(outside, 'secret'), 'untouched');
  await writeFile(path.join(ws, 'cache', 'keep.txt'), 'keep');
  const tempDir = await mkdtemp(path.join(tmpdir(), 'restore-sandbox-tmp-'));
  const backend = new MemoryBackend();
  const context: RunContext = {
    ci: 'github',
    workspace: ws,
    owner: 'o',
    repo: 'r',
    ref: 'refs/heads/main',
  };
  const cache = cacheSettings({ key: 'k', paths });
  const transfer = transferSettings({ stallTimeoutMs: 30_000 });
  return {
    root,
    ws,
    outside,
    tempDir,
    backend,
    save: async (bytes, method) => {
      const deps = { backend, archiver: new BytesArchiver(bytes), logger: quiet };
      await saveCache(deps, { cache, transfer, context, method, tempDir, tool: 'test' });
    },
    restore: (method) => {
      const deps = { backend, archiver: new TarArchiver({ logger: quiet, tar }), logger: quiet };
      return restoreCache(deps, { cache, transfer, context, method, tempDir });
    },
    serveArchive: (body) => {
      const realGet = backend.get.bind(backend);
      backend.get = async (name, opts) =>
        name.includes('/archives/') ? body() : realGet(name, opts);
    },
    cleanup: async () => {
      await rm(root, { recursive: true, force: true });
      await rm(tempDir, { recursive: true, force: true });
    },
  };
}
