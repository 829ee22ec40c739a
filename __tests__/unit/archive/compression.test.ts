import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import {
  archiveExtension,
  buildCompressCommand,
  buildDecompressCommand,
  findOnPath,
  resolveCompression,
  zstdAvailable,
} from '../../../src/archive/compression.js';
import { scratchDir } from '../../helpers/fixtures.js';

describe('resolveCompression', () => {
  const has = (v: boolean) => () => Promise.resolve(v);

  test("'auto' prefers zstd and falls back to gzip", async () => {
    await expect(resolveCompression('auto', has(true))).resolves.toBe('zstd');
    await expect(resolveCompression('auto', has(false))).resolves.toBe('gzip');
  });

  test("explicit 'zstd' without zstd is a clear error, not a silent downgrade", async () => {
    await expect(resolveCompression('zstd', has(true))).resolves.toBe('zstd');
    await expect(resolveCompression('zstd', has(false))).rejects.toThrow(
      /compression is 'zstd' but no zstd executable was found on PATH/,
    );
  });

  test('gzip and none need no probe', async () => {
    const never = () => Promise.reject(new Error('probed'));
    await expect(resolveCompression('gzip', never)).resolves.toBe('gzip');
    await expect(resolveCompression('none', never)).resolves.toBe('none');
  });
});

describe('findOnPath', () => {
  function bins() {
    const root = scratchDir('which-');
    const [a, b] = [path.join(root, 'a'), path.join(root, 'b')];
    mkdirSync(a);
    mkdirSync(b);
    writeFileSync(path.join(a, 'zstd'), '#!/bin/sh\n');
    chmodSync(path.join(a, 'zstd'), 0o644); // not executable: skipped, as the shell would
    mkdirSync(path.join(a, 'gzip')); // a directory is not a program
    writeFileSync(path.join(b, 'zstd'), '#!/bin/sh\n');
    chmodSync(path.join(b, 'zstd'), 0o755);
    return { a, b };
  }

  test('finds the first executable file in PATH order without running it', async () => {
    const { a, b } = bins();
    const env = { PATH: [a, '', b].join(':') };
    await expect(findOnPath('zstd', env, 'linux')).resolves.toBe(path.join(b, 'zstd'));
    await expect(findOnPath('gzip', env, 'linux')).resolves.toBeUndefined();
    await expect(zstdAvailable(env, 'linux')).resolves.toBe(true);
    await expect(zstdAvailable({ PATH: a }, 'linux')).resolves.toBe(false);
    await expect(zstdAvailable({}, 'linux')).resolves.toBe(false);
  });

  test('on Windows, PATHEXT suffixes are tried', async () => {
    const root = scratchDir('which-win-');
    writeFileSync(path.join(root, 'zstd.EXE'), '');
    await expect(findOnPath('zstd', { Path: root, PATHEXT: '.COM;.EXE' }, 'win32')).resolves.toBe(
      path.join(root, 'zstd.EXE'),
    );
  });
});

test('archiveExtension', () => {
  expect(archiveExtension('zstd')).toBe('.tar.zst');
  expect(archiveExtension('gzip')).toBe('.tar.gz');
  expect(archiveExtension('none')).toBe('.tar');
});

describe('buildCompressCommand', () => {
  test('zstd: all cores, level 3 by default, stdout', () => {
    expect(buildCompressCommand('zstd')).toEqual({ program: 'zstd', args: ['-T0', '-3', '-c'] });
    expect(buildCompressCommand('zstd', 19)).toEqual({
      program: 'zstd',
      args: ['-T0', '-19', '-c'],
    });
  });

  test('zstd levels above 19 add --ultra (zstd caps them at 19 otherwise)', () => {
    expect(buildCompressCommand('zstd', 22)?.args).toEqual(['--ultra', '-T0', '-22', '-c']);
  });

  test('gzip: level 6 by default', () => {
    expect(buildCompressCommand('gzip')).toEqual({ program: 'gzip', args: ['-6', '-c'] });
    expect(buildCompressCommand('gzip', 1)).toEqual({ program: 'gzip', args: ['-1', '-c'] });
  });

  test('none runs no compressor', () => {
    expect(buildCompressCommand('none', 5)).toBeUndefined();
  });

  test.each([
    ['zstd', 0],
    ['zstd', 23],
    ['zstd', 2.5],
    ['gzip', 10],
    ['gzip', 0],
  ] as const)('rejects %s level %d', (method, level) => {
    expect(() => buildCompressCommand(method, level)).toThrow(RangeError);
  });
});

test('buildDecompressCommand caps the zstd window at 128 MiB (no decompression bombs)', () => {
  expect(buildDecompressCommand('zstd')).toEqual({
    program: 'zstd',
    args: ['-d', '-c', '--memory=128MB'],
  });
  expect(buildDecompressCommand('gzip')).toEqual({ program: 'gzip', args: ['-d', '-c'] });
  expect(buildDecompressCommand('none')).toBeUndefined();
});
