import { parseManifest } from '../../../src/cache/manifest.js';

const folder = 'ci/o/r/ref-main/v/archives/';
const base = {
  v: 1,
  key: 'k',
  version: 'v',
  archive: `${folder}a.tar.zst`,
  size: 10,
  sha256: 'a'.repeat(64),
  compression: 'zstd',
  createdAt: '2026-01-01T00:00:00.000Z',
  paths: ['deps'],
  writer: { tool: 't', ci: 'local', repository: 'o/r', ref: 'main' },
};
const parse = (m: object) =>
  parseManifest(Buffer.from(JSON.stringify(m)), { version: 'v', archiveFolder: folder });

describe('parseManifest: the fields restore relies on', () => {
  test('a manifest from before roots and tarSize were recorded still parses', () => {
    const m = parse(base);
    expect(m.roots).toBeUndefined();
    expect(m.tarSize).toBeUndefined();
  });

  test('roots and tarSize parse when present', () => {
    expect(parse({ ...base, roots: ['a/node_modules'], tarSize: 20480 })).toMatchObject({
      roots: ['a/node_modules'],
      tarSize: 20480,
    });
  });

  test.each([
    ['tarSize negative', { tarSize: -1 }],
    ['tarSize not a whole number', { tarSize: 1.5 }],
    ['tarSize a string', { tarSize: '20480' }],
    ['roots not an array', { roots: 'a' }],
    ['roots with a non-string', { roots: ['a', 1] }],
    ['roots with NUL', { roots: ['a\0b'] }],
    ['roots too many', { roots: Array.from({ length: 2049 }, (_, i) => `r${i}`) }],
    ['a root too long', { roots: ['x'.repeat(4097)] }],
    ['paths too many', { paths: Array.from({ length: 1025 }, (_, i) => `p${i}`) }],
    ['paths not strings', { paths: [{}] }],
    ['portablePaths of another length than paths', { portablePaths: ['a', 'b'] }],
  ])('refuses %s', (_what, extra) => {
    expect(() => parse({ ...base, ...extra })).toThrow(/invalid manifest/);
  });
});
