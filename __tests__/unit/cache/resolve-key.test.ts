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

function req(primaryKey: string, restoreKeys: string[] = [], scopes = [pr, main]) {
  return { layout, version: v, primaryKey, restoreKeys, scopes };
}

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
    await seed(b, pr, 'npm-abc', 'b'.repeat(64));
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
    // Sequentially this was 3 scopes x (stat + 3 listings) = 12 round trips.
    expect(rt.rounds).toBe(1);
    // One stat and one listing (of the shortest prefix, which covers the others) per scope.
    expect(rt.log.map((l) => l.call.split(' ')[0]).sort()).toEqual([
      'list',
      'list',
      'list',
      'stat',
      'stat',
      'stat',
    ]);
    expect(rt.log.filter((l) => l.call.startsWith('list')).map((l) => l.call)).toEqual(
      scopes3.map((s) => `list ${layout.manifestPrefix(s, v, 'npm-')}`),
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
    expect(rt.log.filter((l) => l.call.startsWith('list'))).toHaveLength(2);
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
