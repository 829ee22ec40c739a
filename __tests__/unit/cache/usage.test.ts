import { buffer } from 'node:stream/consumers';

import { recordUse, sameUtcDay, trackUse, usageMarkerName } from '../../../src/cache/usage.js';
import type { ObjectInfo } from '../../../src/storage/backend.js';
import { MemoryBackend } from '../../helpers/memory-backend.js';

const manifest = 'ci/o/r/ref-refs%2Fheads%2Fmain/abc/keys/npm-1';
const marker = 'ci/o/r/ref-refs%2Fheads%2Fmain/abc/used/npm-1';
const HOUR = 3_600_000;

function store(at: string): MemoryBackend {
  const backend = new MemoryBackend();
  backend.now = new Date(at);
  return backend;
}

describe('usage markers', () => {
  it('sits beside the manifest, in a used/ folder that key listings never see', () => {
    expect(usageMarkerName(manifest)).toBe(marker);
    // A key containing "keys" is still cut at the folder, not inside the key.
    expect(usageMarkerName('p/o/r/repository/v/keys/a%2Fkeys%2Fb')).toBe(
      'p/o/r/repository/v/used/a%2Fkeys%2Fb',
    );
    expect(() => usageMarkerName('p/o/r/repository/v/archives/x.tar')).toThrow(/not a manifest/);
  });

  it('writes one small marker on the first use of the day, with the time of use', async () => {
    const backend = store('2026-05-02T08:00:00Z');
    const at = new Date('2026-05-02T08:00:05Z');
    expect(await recordUse(backend, manifest, { now: () => at })).toBe('recorded');
    expect(backend.calls).toEqual([`stat ${marker}`, `put ${marker}`]);
    const body = await buffer(await backend.get(marker));
    expect(body.length).toBeLessThan(100);
    expect(JSON.parse(body.toString())).toEqual({ v: 1, usedAt: at.toISOString() });
  });

  it('writes nothing more that day: later restores cost one stat only', async () => {
    const backend = store('2026-05-02T00:00:01Z');
    await recordUse(backend, manifest, { now: () => backend.now });
    backend.calls.length = 0;
    for (const hours of [1, 12, 23]) {
      const at = new Date(backend.now.getTime() + hours * HOUR);
      expect(await recordUse(backend, manifest, { now: () => at })).toBe('current');
    }
    expect(backend.calls).toEqual([`stat ${marker}`, `stat ${marker}`, `stat ${marker}`]);
    // The next UTC day: the marker is refreshed, and its store time moves on.
    backend.tick(24 * 3600);
    expect(await recordUse(backend, manifest, { now: () => backend.now })).toBe('recorded');
    expect((await backend.stat(marker))!.lastModified).toEqual(backend.now);
  });

  it('starts the lookup at once, so it overlaps the restore, and writes only on record()', async () => {
    const backend = store('2026-05-02T08:00:00Z');
    const tracker = trackUse(backend, manifest, { now: () => backend.now });
    expect(backend.calls).toEqual([`stat ${marker}`]);
    await new Promise((r) => setTimeout(r, 5));
    expect(backend.calls).toEqual([`stat ${marker}`]);
    expect(await tracker.record()).toBe('recorded');
    expect(backend.calls).toEqual([`stat ${marker}`, `put ${marker}`]);
  });

  it('never fails the restore: a store error or a slow store is reported as failed, within the deadline', async () => {
    const failing = store('2026-05-02T08:00:00Z');
    failing.failPutOnce.add(marker);
    const logged: string[] = [];
    const logger = { debug: (m: string) => logged.push(m) };
    expect(await recordUse(failing, manifest, { logger })).toBe('failed');
    expect(logged.join('\n')).toMatch(/could not record the use of .*injected put failure/);

    const slow = store('2026-05-02T08:00:00Z');
    slow.stat = () => new Promise<ObjectInfo | undefined>(() => {});
    const started = Date.now();
    expect(await recordUse(slow, manifest, { timeoutMs: 50, logger })).toBe('failed');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(logged.at(-1)).toMatch(/no answer within 50 ms/);
    expect(slow.objects.has(marker)).toBe(false);
  });

  it('compares calendar days in UTC', () => {
    expect(sameUtcDay(new Date('2026-05-02T00:00:00Z'), new Date('2026-05-02T23:59:59Z'))).toBe(
      true,
    );
    expect(sameUtcDay(new Date('2026-05-01T23:59:59Z'), new Date('2026-05-02T00:00:00Z'))).toBe(
      false,
    );
  });
});
