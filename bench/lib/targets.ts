import type { Samples } from './stats.js';

/** One line of the table: a bucket-cache figure next to its raw limit and the issues' target. */
export interface Row {
  case: string;
  /** Median of the CLI runs (seconds, process start to exit), or a peak RSS (MiB). */
  value: number;
  unit: 's' | 'MiB';
  /** Every run's value, to show the noise behind the median. */
  runs: number[];
  /** What the figure is held to, in the same unit. */
  baseline?: { label: string; value: number };
  ratio?: number;
  /** The target in words; `met` is undefined where the issues set none. */
  target: string;
  met?: boolean;
  /** Highest peak RSS of the CLI process over the runs, and which command it ran. */
  rssMiB?: number;
  command?: 'save' | 'restore';
}

export const RssLimitMiB = 160;

type Rule = { ratio: number } | { seconds: number } | 'none';

/** The rows the issues (7 and 8) ask for, from whichever measurements this run made. */
export function rows(s: Samples, cores: number, latencySeconds: number): Row[] {
  const out: Row[] = [];
  const t = (name: string): number => s.seconds(name);
  const row = (name: string, label: string, baseline: string, base: number, rule: Rule): void => {
    if (!s.has(name)) return;
    const value = t(name);
    const ratio = value / base;
    const met =
      rule === 'none' ? undefined : 'ratio' in rule ? ratio <= rule.ratio : value <= rule.seconds;
    const target =
      rule === 'none'
        ? '-'
        : 'ratio' in rule
          ? `<= ${rule.ratio.toFixed(2)}x`
          : `<= ${rule.seconds} s`;
    out.push({
      case: label,
      value,
      unit: 's',
      runs: s.runs(name),
      baseline: { label: baseline, value: base },
      ratio,
      target,
      met,
      rssMiB: s.maxRssMiB(name),
      command: name.startsWith('save') ? 'save' : 'restore',
    });
  };

  const start = t('start');
  // Issue 8: on shared cores, save can be bound by CPU rather than by either stage's wall time.
  const cpuBound = (s.cpuSeconds('pack') + s.cpuSeconds('put.loopback')) / cores;
  const saveLimit = Math.max(t('pack'), t('put.loopback'), cpuBound);
  const bound =
    saveLimit === cpuBound
      ? '(CPU-s pack + PUT + server) / cores'
      : saveLimit === t('pack')
        ? 'pack'
        : 'raw PUT';
  row('save.fs', 'save, fs', 'pack', t('pack'), { ratio: 1.1 });
  // Issue 7 holds restores to `zstd -d | tar -x` of the same archive: the one the save stored
  // (POSIX format, a pax header per member), not the raw pack's (GNU format, none).
  const unpack = s.has('unpack.stored') ? 'unpack.stored' : 'unpack';
  const unpackLabel = unpack === 'unpack.stored' ? 'unpack of the stored archive' : 'unpack';
  row('restore.fs', 'restore (hit), fs', unpackLabel, t(unpack), { ratio: 1.1 });
  row('save.s3', 'save, S3 loopback', `max(pack, PUT, CPU): ${bound}`, saveLimit, { ratio: 1.15 });
  const getLimit = Math.max(t('get.loopback'), t(unpack)) + start;
  row('restore.s3', 'restore (hit), S3 loopback', 'max(GET, unpack) + node start', getLimit, {
    ratio: 1.1,
  });
  const shapedPut = Math.max(t('pack'), t('put.shaped'));
  row('save.shaped', 'save, S3 shaped link', 'max(pack, PUT shaped)', shapedPut, { ratio: 1.1 });
  const shapedGet = Math.max(t('get.shaped'), t(unpack));
  row('restore.shaped', 'restore (hit), S3 shaped link', 'max(GET shaped, unpack)', shapedGet, {
    ratio: 1.1,
  });
  row('miss.s3', 'miss, 1 restore key, S3 loopback', 'node start', start, { seconds: 0.15 });
  if (s.has('miss.pr.shaped') && s.has('miss.pr.loopback')) {
    // What the link adds to a pull request's miss, against 12 requests one after the other.
    const linkCost = t('miss.pr.shaped') - t('miss.pr.loopback');
    const sequential = 12 * latencySeconds;
    out.push({
      case: 'PR miss, 2 restore keys x 3 scopes: shaped - loopback',
      value: linkCost,
      unit: 's',
      runs: s.runs('miss.pr.shaped').map((v, i) => v - s.runs('miss.pr.loopback')[i]!),
      baseline: { label: '12 sequential requests', value: sequential },
      ratio: linkCost / sequential,
      target: '< 1.00x',
      met: linkCost < sequential,
      rssMiB: s.maxRssMiB('miss.pr.shaped'),
      command: 'restore',
    });
  }
  row('lookup.s3', 'restore key among 10,000, S3 loopback', 'raw list', t('list.s3'), {
    seconds: 1,
  });
  row('lookup.fs', 'restore key among 10,000, fs', 'node start', start, { seconds: 1 });
  if (s.has('big.pack')) {
    row('save.big', 'save, 2 GiB archive, S3 loopback', 'pack', t('big.pack'), 'none');
    row('restore.big', 'restore, 2 GiB archive, S3 loopback', 'unpack', t('big.unpack'), 'none');
  }
  out.push(rssRow(out, 'save'), rssRow(out, 'restore'));
  return out;
}

/** Peak RSS over every case of one command, the 2 GiB archive included. */
function rssRow(all: Row[], command: 'save' | 'restore'): Row {
  const runs = all
    .filter((r) => r.command === command && r.rssMiB !== undefined)
    .map((r) => r.rssMiB!);
  const value = Math.max(...runs);
  return {
    case: `peak RSS, ${command} (every case)`,
    value,
    unit: 'MiB',
    runs,
    target: `<= ${RssLimitMiB} MiB`,
    met: value <= RssLimitMiB,
  };
}
