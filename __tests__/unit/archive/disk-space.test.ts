import {
  DiskSpaceError,
  SpaceCheckEveryBytes,
  SpaceGuard,
} from '../../../src/archive/disk-space.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** A filesystem of `total` bytes with `free` available, as statfs reports it (4 KiB blocks). */
function fs(total: number, free: () => number) {
  const calls: string[] = [];
  const statfs = (dir: string) => {
    calls.push(dir);
    return Promise.resolve({ bsize: 4096, blocks: total / 4096, bavail: free() / 4096 });
  };
  return { statfs, calls };
}

const margin = (statfs: ReturnType<typeof fs>['statfs']) => ({
  minBytes: 256 * MiB,
  fraction: 0.02,
  statfs,
});

describe('SpaceGuard', () => {
  test('before: the recorded size must fit above max(256 MiB, 2 %) of the filesystem', async () => {
    const small = fs(10 * GiB, () => 1 * GiB);
    const guard = new SpaceGuard(['/stage'], margin(small.statfs), () => undefined);
    await expect(guard.before(700 * MiB)).resolves.toBeUndefined();
    // 1 GiB - 800 MiB = 224 MiB left: below the 256 MiB floor.
    await expect(guard.before(800 * MiB)).rejects.toThrow(DiskSpaceError);
    const big = fs(1000 * GiB, () => 25 * GiB);
    const g2 = new SpaceGuard(['/stage'], margin(big.statfs), () => undefined);
    // 2 % of 1000 GiB is 20 GiB: 25 - 6 leaves 19 GiB, too little.
    await expect(g2.before(6 * GiB)).rejects.toThrow(/leaves at least 20\.0 GiB free/);
    await expect(g2.before(4 * GiB)).resolves.toBeUndefined();
  });

  test('before without a recorded size: only an already short disk refuses', async () => {
    const full = fs(10 * GiB, () => 100 * MiB);
    await expect(
      new SpaceGuard(['/s'], margin(full.statfs), () => undefined).before(undefined),
    ).rejects.toThrow(DiskSpaceError);
  });

  test('each staging location is checked once', async () => {
    const f = fs(10 * GiB, () => 5 * GiB);
    await new SpaceGuard(['/a', '/b', '/a'], margin(f.statfs), () => undefined).before(1);
    expect(f.calls).toEqual(['/a', '/b']);
  });

  test('progress re-checks every interval, and a shortage is reported once', async () => {
    let free = 5 * GiB;
    const f = fs(10 * GiB, () => free);
    const shortages: Error[] = [];
    const guard = new SpaceGuard(['/s'], margin(f.statfs), (e) => shortages.push(e));
    guard.progress(SpaceCheckEveryBytes - 1);
    expect(f.calls).toHaveLength(0);
    guard.progress(SpaceCheckEveryBytes);
    await new Promise((r) => setImmediate(r));
    expect(f.calls).toHaveLength(1);
    expect(shortages).toHaveLength(0);
    free = 10 * MiB;
    guard.progress(2 * SpaceCheckEveryBytes);
    await new Promise((r) => setImmediate(r));
    guard.progress(3 * SpaceCheckEveryBytes);
    await new Promise((r) => setImmediate(r));
    expect(shortages).toHaveLength(1);
    expect(shortages[0]).toBeInstanceOf(DiskSpaceError);
  });

  test('a failing statfs is not a shortage', async () => {
    const shortages: Error[] = [];
    const guard = new SpaceGuard(
      ['/s'],
      { minBytes: 1, fraction: 0, statfs: () => Promise.reject(new Error('ENOSYS')) },
      (e) => shortages.push(e),
    );
    guard.progress(SpaceCheckEveryBytes);
    await new Promise((r) => setImmediate(r));
    expect(shortages).toEqual([]);
  });
});
