import {
  cacheVersion,
  decodeSegment,
  encodeSegment,
  validateKeys,
} from '../../../src/cache/keys.js';
import { ValidationError } from '../../../src/errors.js';

describe('validateKeys', () => {
  test('accepts a key with up to 9 restore keys', () => {
    expect(() =>
      validateKeys(
        'k',
        Array.from({ length: 9 }, (_, i) => `r${i}`),
      ),
    ).not.toThrow();
  });

  test('refuses an empty key, naming the input', () => {
    expect(() => validateKeys('', [])).toThrow(expect.objectContaining({ input: 'key' }));
  });

  test('refuses more than 10 keys in total', () => {
    const restore = Array.from({ length: 10 }, (_, i) => `r${i}`);
    expect(() => validateKeys('k', restore)).toThrow(/maximum of 10/);
  });

  test('512 characters pass, 513 fail', () => {
    expect(() => validateKeys('a'.repeat(512), [])).not.toThrow();
    expect(() => validateKeys('a'.repeat(513), [])).toThrow(ValidationError);
    expect(() => validateKeys('k', ['b'.repeat(513)])).toThrow(
      expect.objectContaining({ input: 'restore-keys' }),
    );
  });

  test('refuses commas and control characters', () => {
    expect(() => validateKeys('a,b', [])).toThrow(/cannot contain commas/);
    expect(() => validateKeys('k', ['x\ty'])).toThrow(/control character/);
    expect(() => validateKeys('k\u007f', [])).toThrow(/control character/);
  });
});

describe('cacheVersion', () => {
  const base = {
    paths: ['node_modules'],
    compression: 'zstd',
    enableCrossOsArchive: false,
    platform: 'linux' as const,
  };

  test('is a stable sha256 hex', () => {
    expect(cacheVersion(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(cacheVersion(base)).toBe(cacheVersion({ ...base }));
  });

  test('changes with paths, their order, and the compression method', () => {
    const v = cacheVersion(base);
    expect(cacheVersion({ ...base, paths: ['node_modules', 'dist'] })).not.toBe(v);
    expect(cacheVersion({ ...base, paths: ['a', 'b'] })).not.toBe(
      cacheVersion({ ...base, paths: ['b', 'a'] }),
    );
    expect(cacheVersion({ ...base, compression: 'gzip' })).not.toBe(v);
  });

  test('separates Windows from POSIX unless enableCrossOsArchive', () => {
    expect(cacheVersion({ ...base, platform: 'win32' })).not.toBe(cacheVersion(base));
    expect(cacheVersion({ ...base, platform: 'darwin' })).toBe(cacheVersion(base));
    expect(cacheVersion({ ...base, platform: 'win32', enableCrossOsArchive: true })).toBe(
      cacheVersion({ ...base, enableCrossOsArchive: true }),
    );
  });
});

describe('encodeSegment', () => {
  test('keeps safe characters and escapes the rest as UTF-8 %XX', () => {
    expect(encodeSegment('Linux-node_20.x')).toBe('Linux-node_20.x');
    expect(encodeSegment('a/b c')).toBe('a%2Fb%20c');
    expect(encodeSegment('é')).toBe('%C3%A9');
    expect(encodeSegment('%')).toBe('%25');
  });

  test('can never produce a path separator or a dot segment', () => {
    for (const key of ['..', '.', '../../etc/passwd', '/abs', 'a\\b', '.hidden']) {
      const enc = encodeSegment(key);
      expect(enc).not.toContain('/');
      expect(enc).not.toContain('\\');
      expect(enc.startsWith('.')).toBe(false);
    }
  });

  test('is prefix-preserving, so restore keys match encoded names', () => {
    const keys = ['npm-Linux-abc', 'npm-Linux-', 'npm Linux/é', '..x', 'a b/c', '漢字-1'];
    for (const key of keys) {
      for (let i = 1; i <= [...key].length; i++) {
        const prefix = [...key].slice(0, i).join('');
        expect(encodeSegment(key).startsWith(encodeSegment(prefix))).toBe(true);
      }
    }
  });

  test('round-trips through decodeSegment', () => {
    for (const key of ['a/b c', '..', 'é漢字', '100%', '.x.y']) {
      expect(decodeSegment(encodeSegment(key))).toBe(key);
    }
  });
});
