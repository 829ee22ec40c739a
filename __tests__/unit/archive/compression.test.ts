import {
  archiveExtension,
  buildCompressCommand,
  buildDecompressCommand,
  resolveCompression,
} from '../../../src/archive/compression.js';

describe('resolveCompression', () => {
  const has = (v: boolean) => () => Promise.resolve(v);

  test("'auto' prefers zstd and falls back to gzip", async () => {
    await expect(resolveCompression('auto', has(true))).resolves.toBe('zstd');
    await expect(resolveCompression('auto', has(false))).resolves.toBe('gzip');
  });

  test("explicit 'zstd' without zstd is a clear error, not a silent downgrade", async () => {
    await expect(resolveCompression('zstd', has(true))).resolves.toBe('zstd');
    await expect(resolveCompression('zstd', has(false))).rejects.toThrow(
      /compression is 'zstd' but no working zstd was found on PATH/,
    );
  });

  test('gzip and none need no probe', async () => {
    const never = () => Promise.reject(new Error('probed'));
    await expect(resolveCompression('gzip', never)).resolves.toBe('gzip');
    await expect(resolveCompression('none', never)).resolves.toBe('none');
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
