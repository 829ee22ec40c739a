import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
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
import { SCAN_SLACK_BYTES } from '../../src/archive/scanned-file-writer.js';
import { TarArchiver } from '../../src/archive/tar-archiver.js';
import { restoreCache } from '../../src/cache/restore-cache.js';
import { saveCache } from '../../src/cache/save-cache.js';
import type { RunContext } from '../../src/context.js';
import { UnsafeArchiveError } from '../../src/errors.js';
import { cacheSettings, quiet, transferSettings } from '../helpers/fixtures.js';
import { MemoryBackend } from '../helpers/memory-backend.js';
import * as tw from '../helpers/tar-writer.js';

// restoreCache with the real archiver: the member scan now runs while the archive downloads, and
// these pin down that nothing reaches the workspace unless both it and the sha256 check passed.

/** Saves `bytes` as the archive, so the manifest's size and sha256 match them exactly. */
class BytesArchiver extends TarArchiver {
  constructor(private readonly bytes: Buffer) {
    super();
  }
  override create(_opts: CreateOptions): Readable {
    return Readable.from([this.bytes]);
  }
}

const zstd = (plain: Buffer): Buffer => spawnSync('zstd', ['-q', '-c'], { input: plain }).stdout;

let root: string;
let ws: string;
let outside: string;
let tempDir: string;
let backend: MemoryBackend;
const context = (): RunContext => ({
  ci: 'github',
  workspace: ws,
  owner: 'o',
  repo: 'r',
  ref: 'refs/heads/main',
});
const cache = cacheSettings({ key: 'k', paths: ['cache'] });
const transfer = transferSettings({ stallTimeoutMs: 30_000 });

beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(tmpdir(), 'restore-scan-')));
  ws = path.join(root, 'ws');
  outside = path.join(root, 'outside');
  for (const d of [ws, outside, path.join(ws, 'cache')]) await mkdir(d);
  await writeFile(path.join(outside, 'secret'), 'untouched');
  await writeFile(path.join(ws, 'cache', 'keep.txt'), 'keep');
  // The download's scratch space is outside `root`, so snapshots of root see only real writes.
  tempDir = await mkdtemp(path.join(tmpdir(), 'restore-scan-tmp-'));
  backend = new MemoryBackend();
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(tempDir, { recursive: true, force: true });
});

async function save(bytes: Buffer, method: CompressionMethod): Promise<void> {
  const deps = { backend, archiver: new BytesArchiver(bytes), logger: quiet };
  await saveCache(deps, { cache, transfer, context: context(), method, tempDir, tool: 'test' });
}

function restore(method: CompressionMethod): Promise<unknown> {
  const deps = { backend, archiver: new TarArchiver(), logger: quiet };
  return restoreCache(deps, { cache, transfer, context: context(), method, tempDir });
}

/** Serve the archive object as `body()` instead of what was saved. */
function serveArchive(body: () => Readable): void {
  const realGet = backend.get.bind(backend);
  backend.get = async (name, opts) => (name.includes('/archives/') ? body() : realGet(name, opts));
}

/** Processes this test process started that are still running (zstd, gzip, tar). */
function children(): string[] {
  return execFileSync('ps', ['-eo', 'ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().match(/^(\d+)\s+(.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null && Number(m[1]) === process.pid)
    .map((m) => m[2]!)
    .filter((args) => !args.startsWith('ps '));
}

/** Every path below `dir` with its type and content: equal snapshots = no writes. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    const abs = path.join(dir, rel);
    const st = await lstat(abs);
    if (st.isSymbolicLink()) out[rel] = `link -> ${await readlink(abs)}`;
    else if (st.isDirectory()) {
      out[rel] = `dir ${st.mtimeMs}`;
      for (const name of (await readdir(abs)).sort()) await walk(path.join(rel, name));
    } else {
      out[rel] = `file ${st.mtimeMs} ${createHash('sha256')
        .update(await readFile(abs))
        .digest('hex')}`;
    }
  };
  await walk('.');
  return out;
}

const harmless = () => tw.file('cache/first-and-harmless.txt', 'would be extracted first');

test.each(['zstd', 'none'] as const)(
  '%s: a malicious archive with an intact manifest is refused before anything is written',
  async (method) => {
    const plain = tw.tarball(
      harmless(),
      tw.symlink('cache/evil', outside),
      tw.file('cache/evil/pwned.txt', 'x'),
    );
    await save(method === 'zstd' ? zstd(plain) : plain, method);
    const before = await snapshot(root);
    const err = await restore(method).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeArchiveError);
    expect((err as Error).message).toMatch(/'cache\/evil\/pwned.txt'.*written through/);
    expect(await snapshot(root)).toEqual(before);
    expect(children()).toEqual([]);
  },
);

test('a refused member stops the download early', async () => {
  await save(zstd(tw.tarball(harmless())), 'zstd');
  // The refused member first, then up to 2 GiB more of valid zstd frames, made on demand.
  const frame = zstd(randomBytes(1024 * 1024));
  let served = 0;
  serveArchive(() =>
    Readable.from(
      (function* () {
        yield zstd(tw.file('../escape.txt', 'x'));
        for (let i = 0; i < 2048; i++) {
          served += frame.length;
          yield frame;
        }
      })(),
    ),
  );
  const err = await restore('zstd').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UnsafeArchiveError);
  expect((err as Error).message).toMatch(/'..\/escape.txt'.*outside/);
  // What was in flight when the scan refused: the scan's slack and stream buffers, not the rest.
  expect(served).toBeLessThan(SCAN_SLACK_BYTES + 16 * 1024 * 1024);
  expect(await readdir(root)).not.toContain('escape.txt');
  expect(children()).toEqual([]);
});

test('a download that fails midway leaves no decompressor running', async () => {
  const big = zstd(tw.tarball(tw.file('cache/big.bin', randomBytes(8 * 1024 * 1024))));
  await save(big, 'zstd');
  const before = await snapshot(root);
  serveArchive(() =>
    Readable.from(
      (async function* () {
        yield big.subarray(0, big.length / 2);
        // Fail only once the scan's decompressor is surely running, so there is one to stop.
        for (let i = 0; i < 100 && !children().some((c) => c.startsWith('zstd -d')); i++) {
          await new Promise((r) => setTimeout(r, 20));
        }
        expect(children().some((c) => c.startsWith('zstd -d'))).toBe(true);
        throw new Error('ECONNRESET');
      })(),
    ),
  );
  await expect(restore('zstd')).rejects.toThrow(/ECONNRESET/);
  // Not eventually: restoreCache returns only after the scan's process has exited.
  expect(children()).toEqual([]);
  expect(await snapshot(root)).toEqual(before);
});

test('a download that fails before its first byte leaves no process running', async () => {
  await save(zstd(tw.tarball(harmless())), 'zstd');
  const realGet = backend.get.bind(backend);
  backend.get = async (name, opts) => {
    if (name.includes('/archives/')) throw new Error('503 Slow Down');
    return realGet(name, opts);
  };
  await expect(restore('zstd')).rejects.toThrow(/503/);
  expect(children()).toEqual([]);
});

test('a download that ends short is refused by size, not as a corrupt stream', async () => {
  const archive = zstd(tw.tarball(tw.file('cache/big.bin', randomBytes(1024 * 1024))));
  await save(archive, 'zstd');
  serveArchive(() => Readable.from([archive.subarray(0, archive.length / 2)]));
  const before = await snapshot(root);
  await expect(restore('zstd')).rejects.toThrow(/bytes but its manifest says/);
  expect(await snapshot(root)).toEqual(before);
  expect(children()).toEqual([]);
});

test('a tampered archive whose members are all safe is still not extracted', async () => {
  const plain = tw.tarball(tw.file('cache/data.txt', 'AAAAAAAA'));
  await save(plain, 'none');
  const tampered = Buffer.from(plain);
  tampered.write('B', plain.indexOf('AAAAAAAA'));
  // Same size and a well-formed, harmless tar: only the sha256 can tell.
  serveArchive(() => Readable.from([tampered]));
  await rm(path.join(ws, 'cache'), { recursive: true });
  const before = await snapshot(root);
  await expect(restore('none')).rejects.toThrow(/has sha256 .* but its manifest says/);
  expect(await snapshot(root)).toEqual(before);
});

test('an intact archive is restored', async () => {
  const plain = tw.tarball(tw.dir('cache/d'), tw.file('cache/d/data.txt', 'restored'));
  await save(zstd(plain), 'zstd');
  await expect(restore('zstd')).resolves.toMatchObject({ restored: true, exact: true });
  expect(await readFile(path.join(ws, 'cache', 'd', 'data.txt'), 'utf8')).toBe('restored');
  expect(children()).toEqual([]);
});
