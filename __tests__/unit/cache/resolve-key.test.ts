import { Readable } from 'node:stream';

import { Layout, type ScopeName } from '../../../src/cache/layout.js';
import { pickNewest, resolveKey } from '../../../src/cache/resolve-key.js';
import { MemoryBackend } from '../../helpers/memory-backend.js';

const v = 'a'.repeat(64);
const layout = new Layout('', 'o', 'r');
const pr: ScopeName = { kind: 'ref', ref: 'refs/pull/7/merge' };
const main: ScopeName = { kind: 'ref', ref: 'refs/heads/main' };

async function seed(b: MemoryBackend, scope: ScopeName, key: string, version = v): Promise<void> {
  await b.put(layout.manifestName(scope, version, key), Readable.from([Buffer.from('{}')]));
  b.tick();
}

const g = 'b'.repeat(64);
const zstdThenGzip = [
  { version: v, method: 'zstd' as const },
  { version: g, method: 'gzip' as const },
];

function req(
  primaryKey: string,
  restoreKeys: string[] = [],
  scopes = [pr, main],
  versions = zstdThenGzip,
) {
  return { layout, versions, primaryKey, restoreKeys, scopes };
}

describe('resolveKey across compression versions', () => {
  test('a zstd runner finds a gzip entry of the same key, and says it is gzip', async () => {
    const b = new MemoryBackend();
    await seed(b, pr, 'npm-abc', g);
    expect(await resolveKey(b, req('npm-abc'))).toMatchObject({
      key: 'npm-abc',
      exact: true,
      version: g,
      method: 'gzip',
    });
  });

  test('the zstd entry wins when both exist, even if the gzip one is newer', async () => {
    const b = new MemoryBackend();
    await seed(b, pr, 'npm-abc', v);
    await seed(b, pr, 'npm-abc', g);
    expect(await resolveKey(b, req('npm-abc'))).toMatchObject({ version: v, method: 'zstd' });
    await seed(b, pr, 'npm-x1', v);
    await seed(b, pr, 'npm-x2', g);
    expect(await resolveKey(b, req('npm-y', ['npm-x']))).toMatchObject({
      key: 'npm-x1',
      method: 'zstd',
    });
  });

  test('an exact gzip hit beats a zstd restore-key match; a gzip-only runner never sees zstd', async () => {
    const b = new MemoryBackend();
    await seed(b, pr, 'npm-old', v);
    await seed(b, pr, 'npm-abc', g);
    expect(await resolveKey(b, req('npm-abc', ['npm-']))).toMatchObject({
      key: 'npm-abc',
      exact: true,
      method: 'gzip',
    });
    const gzipOnly = [{ version: g, method: 'gzip' as const }];
    await seed(b, main, 'zz-1', v);
    expect(await resolveKey(b, req('zz-1', [], [main], gzipOnly))).toBeUndefined();
  });
});

describe('resolveKey', () => {
  test('an exact key is a hit, even when newer prefix matches exist', async () => {
    const b = new MemoryBackend();
    await seed(b, pr, 'npm-abc');
    await seed(b, pr, 'npm-abcdef');
    expect(await resolveKey(b, req('npm-abc', ['npm-']))).toMatchObject({
      key: 'npm-abc',
      exact: true,
      scope: pr,
    });
  });

  test('the primary key is tried as a prefix before restore keys', async () => {
    const b = new MemoryBackend();
    await seed(b, pr, 'npm-zzz');
    await seed(b, pr, 'npm-abc-2');
    await seed(b, pr, 'npm-other');
    expect(await resolveKey(b, req('npm-abc', ['npm-']))).toMatchObject({
      key: 'npm-abc-2',
      exact: false,
    });
  });

  test('restore keys are tried in order; within one the newest wins', async () => {
    const b = new MemoryBackend();
    await seed(b, pr, 'npm-linux-1');
    await seed(b, pr, 'npm-linux-2');
    await seed(b, pr, 'npm-mac-9');
    const m = await resolveKey(b, req('npm-linux-abc', ['npm-linux-', 'npm-']));
    expect(m).toMatchObject({ key: 'npm-linux-2', exact: false });
    const m2 = await resolveKey(b, req('npm-linux-abc', ['npm-mac-', 'npm-linux-']));
    expect(m2?.key).toBe('npm-mac-9');
  });

  test('scopes are searched in order: the PR first, then main', async () => {
    const b = new MemoryBackend();
    await seed(b, main, 'npm-abc');
    await seed(b, pr, 'npm-old');
    // The PR's own prefix match wins over main's exact key: scope order comes first.
    expect(await resolveKey(b, req('npm-abc', ['npm-']))).toMatchObject({
      key: 'npm-old',
      scope: pr,
    });
    // Without a PR match, main's exact key is a hit.
    expect(await resolveKey(b, req('npm-abc', ['npx-']))).toMatchObject({
      key: 'npm-abc',
      exact: true,
      scope: main,
    });
  });

  test('entries of another version are invisible', async () => {
    const b = new MemoryBackend();
    await seed(b, pr, 'npm-abc', 'c'.repeat(64));
    expect(await resolveKey(b, req('npm-abc', ['npm-']))).toBeUndefined();
  });

  test('keys with spaces, slashes and Unicode match as prefixes', async () => {
    const b = new MemoryBackend();
    await seed(b, pr, 'deps linux/é-2');
    expect(await resolveKey(b, req('deps linux/é-3', ['deps linux/é-']))).toMatchObject({
      key: 'deps linux/é-2',
    });
  });

  test('a miss searches nothing outside the given scopes', async () => {
    const b = new MemoryBackend();
    await seed(b, { kind: 'ref', ref: 'refs/heads/other' }, 'npm-abc');
    expect(await resolveKey(b, req('npm-abc', ['npm-']))).toBeUndefined();
  });
});

describe('pickNewest', () => {
  test('newest lastModified wins; ties go to the greatest name', () => {
    const t = new Date('2026-01-01T00:00:00Z');
    const later = new Date('2026-01-01T00:00:01Z');
    expect(
      pickNewest([
        { name: 'b', size: 1, lastModified: later },
        { name: 'c', size: 1, lastModified: t },
      ])?.name,
    ).toBe('b');
    expect(
      pickNewest([
        { name: 'a', size: 1, lastModified: t },
        { name: 'c', size: 1, lastModified: t },
        { name: 'b', size: 1, lastModified: t },
      ])?.name,
    ).toBe('c');
    expect(pickNewest([])).toBeUndefined();
  });
});
