import { parseTimes } from '../../../bench/lib/cpu.js';
import { formatMarkdown, formatTable } from '../../../bench/lib/format.js';
import { median, Samples } from '../../../bench/lib/stats.js';
import { rows } from '../../../bench/lib/targets.js';

// The bench's arithmetic: medians, the issues' targets and which baseline each figure is held
// to. The measurements themselves only run in `npm run bench`.

function samples(values: Record<string, Array<[seconds: number, cpu?: number, rss?: number]>>) {
  const s = new Samples();
  for (const [name, runs] of Object.entries(values)) {
    for (const [seconds, cpu = 0, rss] of runs) {
      s.add(name, { seconds, cpuSeconds: cpu, maxRssMiB: rss, stdout: '' });
    }
  }
  return s;
}

const base = {
  start: [[0.05]],
  pack: [
    [1.2, 2.4],
    [1.0, 2.0],
    [5.0, 2.2],
  ], // median 1.2 s, CPU 2.2 s
  unpack: [[2.0]],
  'get.loopback': [[0.3]],
  'put.loopback': [[1.3, 1.8]],
  'get.shaped': [[1.8]],
  'put.shaped': [[1.9]],
  'list.s3': [[0.4]],
} satisfies Parameters<typeof samples>[0];

test('median of odd and even counts', () => {
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 3, 2])).toBe(2.5);
});

test('each figure is held to its own baseline and target', () => {
  const s = samples({
    ...base,
    'save.fs': [[1.3, 3, 120]],
    'restore.fs': [[2.4, 3, 100]],
    'save.s3': [[2.3, 3, 150]],
    'restore.s3': [[2.3, 3, 170]],
    'save.shaped': [[2.0]],
    'restore.shaped': [[2.1]],
    'miss.s3': [[0.2]],
    'lookup.s3': [[0.9]],
    'lookup.fs': [[0.3]],
    'miss.pr.loopback': [[0.2], [0.3], [0.2]],
    'miss.pr.shaped': [[0.4, 0, 180], [0.35], [0.5]],
  });
  const byCase = Object.fromEntries(rows(s, 2, 0.02).map((r) => [r.case, r]));
  expect(byCase['save, fs']).toMatchObject({ baseline: { value: 1.2 }, met: true });
  expect(byCase['restore (hit), fs']).toMatchObject({ ratio: 1.2, met: false });
  // CPU bound (2.2 + 1.8) / 2 = 2.0 s beats pack 1.2 s and PUT 1.3 s; 2.3 / 2.0 = 1.15x.
  expect(byCase['save, S3 loopback']!.baseline).toEqual({
    label: 'max(pack, PUT, CPU): (CPU-s pack + PUT + server) / cores',
    value: 2,
  });
  expect(byCase['save, S3 loopback']!.met).toBe(true);
  // max(GET 0.3, unpack 2.0) + start 0.05.
  expect(byCase['restore (hit), S3 loopback']!.baseline!.value).toBeCloseTo(2.05);
  expect(byCase['save, S3 shaped link']!.baseline!.value).toBe(1.9);
  expect(byCase['restore (hit), S3 shaped link']!.baseline!.value).toBe(2.0);
  expect(byCase['miss, 1 restore key, S3 loopback']).toMatchObject({
    target: '<= 0.15 s',
    met: false,
  });
  expect(byCase['restore key among 10,000, S3 loopback']!.met).toBe(true);
  // The link's cost to a PR miss: 0.4 - 0.2 = 0.2 s against 12 × 20 ms; per round 0.2 0.05 0.3.
  const pr = byCase['PR miss, 2 restore keys x 3 scopes: shaped - loopback']!;
  expect(pr.value).toBeCloseTo(0.2);
  expect(pr.baseline!.value).toBeCloseTo(0.24);
  expect(pr.runs.map((v) => +v.toFixed(2))).toEqual([0.2, 0.05, 0.3]);
  expect(pr.met).toBe(true);
  expect(byCase['peak RSS, save (every case)']).toMatchObject({ value: 150, met: true });
  // A miss is a restore too: the PR miss's 180 MiB is the restore peak.
  expect(byCase['peak RSS, restore (every case)']).toMatchObject({ value: 180, met: false });
  expect(byCase['save, 2 GiB archive, S3 loopback']).toBeUndefined();

  const text = formatTable(rows(s, 2, 0.02));
  expect(text).toMatch(
    /^save, fs +1\.30 s +1\.30 +pack 1\.20 s +1\.08x +<= 1\.10x +yes +120 MiB$/m,
  );
  expect(formatMarkdown(rows(s, 2, 0.02))).toContain(
    '| restore (hit), fs | 2.40 s | 2.40 | unpack 2.00 s | 1.20x | <= 1.10x | NO | 100 MiB |',
  );
});

test('restores are held to the unpack of the archive the save stored, when measured', () => {
  const s = samples({
    ...base,
    'unpack.stored': [[2.2]],
    'restore.fs': [[2.4, 3.0, 100]],
    'restore.s3': [[2.6, 3.0, 120]],
    'restore.shaped': [[2.5, 3.0, 120]],
  });
  const md = formatMarkdown(rows(s, 2, 0.02));
  expect(md).toContain(
    '| restore (hit), fs | 2.40 s | 2.40 | unpack of the stored archive 2.20 s | 1.09x | <= 1.10x | yes | 100 MiB |',
  );
  expect(md).toContain('| max(GET, unpack) + node start 2.25 s |');
  expect(md).toContain('| max(GET shaped, unpack) 2.20 s |');
});

test('the CPU line of `times`, as dash and bash print it', () => {
  expect(parseTimes('0m0.000000s 0m0.004000s\n0m1.312000s 0m0.420000s\n')).toBeCloseTo(1.732);
  expect(parseTimes('0m0.001s 0m0.002s\n1m2.500s 0m0.500s')).toBeCloseTo(63);
  expect(() => parseTimes('nothing')).toThrow(/times/);
});
