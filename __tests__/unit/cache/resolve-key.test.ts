import { Readable } from 'node:stream';

import { Layout, type ScopeName } from '../../../src/cache/layout.js';
import { coveringPrefixes, pickNewest, resolveKey } from '../../../src/cache/resolve-key.js';
import { MemoryBackend } from '../../helpers/memory-backend.js';
import { RoundTrips } from '../../helpers/round-trips.js';

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

describe('resolveKey round trips', () => {
  const base: ScopeName = { kind: 'ref', ref: 'refs/heads/release' };
  const scopes3 = [pr, base, main];

  test('a pull request miss with two restore keys in three scopes is one round trip', async () => {
    const b = new MemoryBackend();
    await seed(b, main, 'pip-linux-1'); // other keys exist; none matches
    const rt = new RoundTrips(b);
    const m = await resolveKey(rt, req('npm-linux-abc', ['npm-linux-', 'npm-'], scopes3));
    expect(m).toBeUndefined();
    // Sequentially this was 3 scopes x 2 versions x (stat + 3 listings) = 24 round trips.
    expect(rt.rounds).toBe(1);
    // Per scope and version (zstd, then the gzip fallback): one stat and one listing (of the
    // shortest prefix, which covers the others).
    const calls = rt.log.map((l) => l.call.split(' ')[0]);
    expect(calls.filter((c) => c === 'stat')).toHaveLength(6);
    expect(calls.filter((c) => c === 'list')).toHaveLength(6);
    expect(rt.log.filter((l) => l.call.startsWith('list')).map((l) => l.call)).toEqual(
      scopes3.flatMap((s) => [v, g].map((ver) => `list ${layout.manifestPrefix(s, ver, 'npm-')}`)),
    );
  });

  test('a hit in a later scope still costs one round trip', async () => {
    const b = new MemoryBackend();
    await seed(b, main, 'npm-linux-1');
    const rt = new RoundTrips(b);
    const m = await resolveKey(rt, req('npm-linux-abc', ['npm-linux-', 'npm-'], scopes3));
    expect(m).toMatchObject({ key: 'npm-linux-1', scope: main, exact: false });
    expect(rt.rounds).toBe(1);
  });

  test('restore keys that do not share a prefix are listed separately, and matched in order', async () => {
    const b = new MemoryBackend();
    await seed(b, pr, 'yarn-1');
    await seed(b, pr, 'npm-1');
    const rt = new RoundTrips(b);
    // 'npm-' is listed for itself; 'yarn-' covers the primary key 'yarn-abc'.
    const m = await resolveKey(rt, req('yarn-abc', ['npm-', 'yarn-'], [pr]));
    expect(m).toMatchObject({ key: 'npm-1' });
    expect(rt.rounds).toBe(1);
    expect(rt.log.filter((l) => l.call.startsWith('list'))).toHaveLength(4); // 2 per version
  });

  test('the gzip fallback costs no extra round trip, and zstd wins each precedence step', async () => {
    const b = new MemoryBackend();
    await seed(b, base, 'npm-linux-abc', g); // exact gzip in the second scope
    await seed(b, base, 'npm-linux-1', v); // a zstd restore-key match there loses to it
    await seed(b, main, 'npm-linux-abc', v); // a later scope's exact zstd never counts
    const rt = new RoundTrips(b);
    const m = await resolveKey(rt, req('npm-linux-abc', ['npm-linux-', 'npm-'], scopes3));
    expect(m).toMatchObject({ key: 'npm-linux-abc', scope: base, exact: true, method: 'gzip' });
    expect(rt.rounds).toBe(1);
    // Within one restore key, a zstd match beats a newer gzip one.
    const b2 = new MemoryBackend();
    await seed(b2, pr, 'npm-linux-1', v);
    await seed(b2, pr, 'npm-linux-2', g);
    await seed(b2, pr, 'npm-linux-abc9', g); // but the primary key as a prefix comes first
    expect(await resolveKey(b2, req('npm-linux-abc', ['npm-linux-'], [pr]))).toMatchObject({
      key: 'npm-linux-abc9',
      method: 'gzip',
      exact: false,
    });
    b2.objects.delete(layout.manifestName(pr, g, 'npm-linux-abc9'));
    expect(await resolveKey(b2, req('npm-linux-abc', ['npm-linux-'], [pr]))).toMatchObject({
      key: 'npm-linux-1',
      method: 'zstd',
    });
  });

  test('precedence holds though every answer arrives at once: scope first, then key order', async () => {
    const b = new MemoryBackend();
    await seed(b, main, 'npm-linux-abc'); // exact, but in the last scope
    await seed(b, base, 'npm-linux-0'); // restore key 1 in the second scope
    await seed(b, pr, 'npm-mac-9'); // only restore key 2 in the first scope: wins
    await seed(b, base, 'npm-linux-abcdef'); // the primary key as a prefix beats restore key 1
    const m = await resolveKey(b, req('npm-linux-abc', ['npm-linux-', 'npm-'], scopes3));
    expect(m).toMatchObject({ key: 'npm-mac-9', scope: pr });
    b.objects.delete(layout.manifestName(pr, v, 'npm-mac-9'));
    expect(
      await resolveKey(b, req('npm-linux-abc', ['npm-linux-', 'npm-'], scopes3)),
    ).toMatchObject({ key: 'npm-linux-abcdef', scope: base, exact: false });
  });

  test('a failure in a scope that is not needed is ignored; one that is needed is thrown', async () => {
    const b = new MemoryBackend();
    await seed(b, pr, 'npm-1');
    const failMain = (call: string) => {
      if (call.includes('ref-refs%2Fheads%2Fmain')) throw new Error('main is unreachable');
    };
    await expect(
      resolveKey(new RoundTrips(b, failMain), req('npm-abc', ['npm-'], scopes3)),
    ).resolves.toMatchObject({ key: 'npm-1', scope: pr });
    await expect(
      resolveKey(new RoundTrips(b, failMain), req('x-abc', ['x-'], scopes3)),
    ).rejects.toThrow('main is unreachable');
  });

  test('resolving a restore key among 10,000 entries picks the newest', async () => {
    const b = new MemoryBackend();
    for (let i = 0; i < 10_000; i++) {
      const name = layout.manifestName(main, v, `npm-${String(i).padStart(5, '0')}`);
      b.objects.set(name, {
        data: Buffer.from('{}'),
        lastModified: new Date(1_000_000 + i * 1000),
        etag: `"${i}"`,
      });
    }
    const m = await resolveKey(b, req('npm-zzz', ['npm-'], scopes3));
    expect(m).toMatchObject({ key: 'npm-09999', scope: main });
  });
});

test('coveringPrefixes keeps the shortest of prefixes that start one another', () => {
  expect(coveringPrefixes(['a/npm-linux-abc', 'a/npm-linux-', 'a/npm-'])).toEqual(['a/npm-']);
  expect(coveringPrefixes(['a/yarn-x', 'a/npm-', 'a/yarn-', 'a/npm-'])).toEqual([
    'a/npm-',
    'a/yarn-',
  ]);
  expect(coveringPrefixes(['a/', 'a/b'])).toEqual(['a/']);
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
