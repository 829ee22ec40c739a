import {
  buildCreateArgs,
  buildExtractArgs,
  takesTarAtOnce,
  tarCandidates,
  tarFlavorOf,
} from '../../../src/archive/tar-args.js';

describe('buildCreateArgs', () => {
  test('GNU tar on Linux: posix format to stdout, -P, -C before a NUL-separated -T', () => {
    expect(
      buildCreateArgs({
        flavor: 'gnu',
        platform: 'linux',
        workspace: '/w s',
        manifest: '/tmp/m.txt',
      }),
    ).toEqual([
      ...['--posix', '--totals', '-c', '-f', '-', '-P', '-C', '/w s'],
      '--exclude=.bucket-cache-staging-*',
      ...['--null', '-T', '/tmp/m.txt'],
    ]);
  });

  test('an exact list follows --no-recursion, so only its names are not recursed into', () => {
    const gnu = buildCreateArgs({
      flavor: 'gnu',
      platform: 'linux',
      workspace: '/w',
      manifest: '/m',
      exactManifest: '/e',
    });
    expect(gnu.slice(-5)).toEqual(['-T', '/m', '--no-recursion', '-T', '/e']);
    const bsd = buildCreateArgs({
      flavor: 'bsd',
      platform: 'darwin',
      workspace: '/w',
      manifest: '/m',
      exactManifest: '/e',
    });
    expect(bsd.slice(-3)).toEqual(['-n', '-T', '/e']);
  });

  test('bsdtar spells the posix format differently', () => {
    const args = buildCreateArgs({
      flavor: 'bsd',
      platform: 'darwin',
      workspace: '/w',
      manifest: '/m',
    });
    expect(args[0]).toBe('--format=posix');
    expect(args).not.toContain('--posix');
    expect(args.slice(1)).toEqual([
      ...['-c', '-f', '-', '-P', '-C', '/w'],
      '--exclude=.bucket-cache-staging-*',
      ...['--null', '-T', '/m'],
    ]);
  });

  test('Windows paths get forward slashes', () => {
    const args = buildCreateArgs({
      flavor: 'gnu',
      platform: 'win32',
      workspace: 'D:\\a\\repo',
      manifest: 'D:\\t\\m.txt',
    });
    expect(args).toContain('D:/a/repo');
    expect(args).toContain('D:/t/m.txt');
  });

  test('never names a compressor: compression is a separate process', () => {
    const args = buildCreateArgs({
      flavor: 'gnu',
      platform: 'linux',
      workspace: '/w',
      manifest: '/m',
    });
    expect(args.join(' ')).not.toMatch(/zstd|gzip|-z|-I|compress/);
  });
});

describe('buildExtractArgs', () => {
  test('reads the canonical stream on stdin, absolute staged names, never owners', () => {
    expect(buildExtractArgs('bsd')).toEqual(['-x', '-f', '-', '-P', '--no-same-owner']);
  });

  test('GNU tar (the default) sets directory times at the end, as bsdtar does', () => {
    expect(buildExtractArgs()).toEqual(buildExtractArgs('gnu'));
    expect(buildExtractArgs('gnu')).toEqual([
      '-x',
      '-f',
      '-',
      '-P',
      '--no-same-owner',
      '--delay-directory-restore',
    ]);
  });
});

describe('tarCandidates, as actions/cache chooses', () => {
  test('macOS: gtar first, then the system bsdtar; Linux: tar', () => {
    expect(tarCandidates('darwin')).toEqual(['gtar', 'tar']);
    expect(tarCandidates('linux')).toEqual(['tar']);
  });

  test("Windows: Git for Windows' GNU tar, a tar on PATH, then System32's bsdtar", () => {
    const env = { ProgramFiles: 'D:\\Apps', SystemDrive: 'E:' };
    expect(tarCandidates('win32', env)).toEqual([
      'D:\\Apps\\Git\\usr\\bin\\tar.exe',
      'tar',
      'E:\\Windows\\System32\\tar.exe',
    ]);
    expect(tarCandidates('win32', {})).toEqual([
      'C:\\Program Files\\Git\\usr\\bin\\tar.exe',
      'tar',
      'C:\\Windows\\System32\\tar.exe',
    ]);
  });

  test('on Windows a tar on PATH is taken at once only when it is GNU tar', () => {
    expect(takesTarAtOnce('win32', 'tar', 'gnu')).toBe(true);
    expect(takesTarAtOnce('win32', 'tar', 'bsd')).toBe(false);
    expect(takesTarAtOnce('win32', 'C:\\Windows\\System32\\tar.exe', 'bsd')).toBe(true);
    expect(takesTarAtOnce('darwin', 'tar', 'bsd')).toBe(true);
  });
});

test('tarFlavorOf reads the version banner', () => {
  expect(tarFlavorOf('tar (GNU tar) 1.34\nCopyright ...')).toBe('gnu');
  expect(tarFlavorOf('bsdtar 3.5.3 - libarchive 3.5.3 zlib/1.2.11')).toBe('bsd');
});
