import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';

import { UnsafeArchiveError } from '../../src/errors.js';
import {
  children,
  type RestoreSandbox,
  restoreSandbox,
  snapshot,
  zstd,
} from '../helpers/restore-harness.js';
import * as tw from '../helpers/tar-writer.js';

// restoreCache with the real archiver: the member gate runs while the archive downloads, and
// these pin down that nothing reaches the workspace unless both it and the sha256 check passed.

let sb: RestoreSandbox;
let root: string;
let ws: string;
let outside: string;
const save = (bytes: Buffer, method: 'zstd' | 'none') => sb.save(bytes, method);
const restore = (method: 'zstd' | 'none') => sb.restore(method);
const serveArchive = (body: () => Readable) => sb.serveArchive(body);

beforeEach(async () => {
  sb = await restoreSandbox();
  ({ root, ws, outside } = sb);
});

afterEach(async () => {
  await sb.cleanup();
});

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
  // What was in flight when the gate refused: stream and pipe buffers, not the rest.
  expect(served).toBeLessThan(20 * 1024 * 1024);
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
  const realGet = sb.backend.get.bind(sb.backend);
  sb.backend.get = async (name, opts) => {
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
