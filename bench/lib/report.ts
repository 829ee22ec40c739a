import type { Samples } from './stats.js';

/** One line of the table: a bucket-cache figure next to its raw limit and the issues' target. */
export interface Row {
  case: string;
  /** Median seconds of the CLI run (process start to exit). */
  seconds: number;
  /** Highest peak RSS of the CLI process over the runs. */
  rssMiB?: number;
  /** What the figure is held to, and its value in seconds. */
  baseline: string;
  baselineSeconds: number;
  ratio: number;
  /** The target in words; `met` is undefined where the issues set none (informational rows). */
  target: string;
  met?: boolean;
}

export const RssLimitMiB = 160;

type Rule =
  { kind: 'ratio'; limit: number } | { kind: 'seconds'; limit: number } | { kind: 'none' };

/** The rows the issues ask for, from whichever measurements this run made. */
export function rows(s: Samples, cores: number): Row[] {
  const out: Row[] = [];
  const row = (name: string, c: string, baseline: string, base: number, rule: Rule): void => {
    if (!s.has(name)) return;
    const seconds = s.seconds(name);
    const ratio = seconds / base;
    const met =
      rule.kind === 'ratio'
        ? ratio <= rule.limit
        : rule.kind === 'seconds'
          ? seconds <= rule.limit
          : undefined;
    const target =
      rule.kind === 'ratio'
        ? `<= ${rule.limit.toFixed(2)}x`
        : rule.kind === 'seconds'
          ? `<= ${rule.limit} s`
          : '-';
    out.push({
      case: c,
      seconds,
      rssMiB: s.maxRssMiB(name),
      baseline,
      baselineSeconds: base,
      ratio,
      target,
      met,
    });
  };
  const t = (name: string): number => s.seconds(name);
  const start = t('start');
  const cpuBound = (s.cpuSeconds('pack') + s.cpuSeconds('put.loopback')) / cores;
  const saveS3Limit = Math.max(t('pack'), t('put.loopback'), cpuBound);
  const saveS3Which =
    saveS3Limit === cpuBound
      ? 'CPU-s (pack + PUT + server) / cores'
      : saveS3Limit === t('pack')
        ? 'pack'
        : 'raw PUT';

  row('save.fs', 'save, fs', 'pack', t('pack'), { kind: 'ratio', limit: 1.1 });
  row('restore.fs', 'restore (hit), fs', 'unpack', t('unpack'), { kind: 'ratio', limit: 1.1 });
  row('save.s3', 'save, S3 loopback', `max(pack, PUT, CPU bound) = ${saveS3Which}`, saveS3Limit, {
    kind: 'ratio',
    limit: 1.15,
  });
  const getOrUnpack = Math.max(t('get.loopback'), t('unpack'));
  row(
    'restore.s3',
    'restore (hit), S3 loopback',
    'max(GET, unpack) + node start',
    getOrUnpack + start,
    {
      kind: 'ratio',
      limit: 1.1,
    },
  );
  const shapedPut = Math.max(t('pack'), t('put.shaped'));
  row('save.shaped', 'save, S3 shaped link', 'max(pack, PUT shaped)', shapedPut, {
    kind: 'ratio',
    limit: 1.1,
  });
  const shapedGet = Math.max(t('get.shaped'), t('unpack'));
  row('restore.shaped', 'restore (hit), S3 shaped link', 'max(GET shaped, unpack)', shapedGet, {
    kind: 'ratio',
    limit: 1.1,
  });
  row('miss.s3', 'miss, 1 restore key, S3 loopback', 'node start', start, {
    kind: 'seconds',
    limit: 0.15,
  });
  row('lookup.s3', 'restore key among 10,000, S3 loopback', 'raw list (node + SDK)', t('list.s3'), {
    kind: 'seconds',
    limit: 1,
  });
  row('lookup.fs', 'restore key among 10,000, fs', 'node start', start, {
    kind: 'seconds',
    limit: 1,
  });
  if (s.has('big.pack')) {
    row('save.big', 'save 2 GiB archive, S3 loopback', 'pack', t('big.pack'), { kind: 'none' });
    row('restore.big', 'restore 2 GiB archive, S3 loopback', 'unpack', t('big.unpack'), {
      kind: 'none',
    });
  }
  return out;
}

/** Peak RSS over every save and every restore case, against the issues' 160 MiB. */
export function rssSummary(all: Row[]): { save?: number; restore?: number; limitMiB: number } {
  const peak = (word: string): number | undefined => {
    const values = all
      .filter((r) => r.case.includes(word) && r.rssMiB !== undefined)
      .map((r) => r.rssMiB!);
    return values.length ? Math.max(...values) : undefined;
  };
  return { save: peak('save'), restore: peak('restore'), limitMiB: RssLimitMiB };
}

/** The table as fixed-width text for the terminal. */
export function formatTable(all: Row[]): string {
  const head = ['case', 'bucket-cache', 'baseline', 'raw', 'ratio', 'target', 'met', 'peak RSS'];
  const body = all.map((r) => [
    r.case,
    `${r.seconds.toFixed(2)} s`,
    r.baseline,
    `${r.baselineSeconds.toFixed(2)} s`,
    `${r.ratio.toFixed(2)}x`,
    r.target,
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
    r.rssMiB === undefined
      ? ''
      : `${Math.round(r.rssMiB)} MiB${r.rssMiB > RssLimitMiB ? ' (!)' : ''}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** The same table in Markdown, for the README. */
export function formatMarkdown(all: Row[]): string {
  const lines = [
    '| case | bucket-cache | limit on this machine | ratio | target | peak RSS |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of all) {
    const target = r.met === undefined ? r.target : `${r.target} ${r.met ? '(met)' : '(missed)'}`;
    const rss = r.rssMiB === undefined ? '' : `${Math.round(r.rssMiB)} MiB`;
    lines.push(
      `| ${r.case} | ${r.seconds.toFixed(2)} s | ${r.baseline.replace(/\|/g, '\\|')} ${r.baselineSeconds.toFixed(2)} s | ${r.ratio.toFixed(2)}x | ${target} | ${rss} |`,
    );
  }
  return lines.join('\n');
}

const RawLines: Array<[name: string, label: string, moves: 'archive' | 'tree' | 'none']> = [
  ['pack', 'pack: tar -cf - | zstd -T0 -3 > file', 'tree'],
  ['unpack', 'unpack: zstd -d < file | tar -xf -', 'tree'],
  ['put.loopback', 'raw multipart PUT, loopback (CPU incl. s3rver + proxy)', 'archive'],
  ['get.loopback', 'raw parallel ranged GET, loopback', 'archive'],
  ['put.shaped', 'raw multipart PUT, shaped link', 'archive'],
  ['get.shaped', 'raw parallel ranged GET, shaped link', 'archive'],
  ['start', 'node start (node -e 0)', 'none'],
  ['list.s3', 'raw ListObjectsV2 of 10,000 manifests', 'none'],
  ['big.pack', 'pack of the 2 GiB tree', 'none'],
  ['big.unpack', 'unpack of the 2 GiB archive', 'none'],
];

/** The raw measurements themselves: medians, CPU and rates. */
export function formatRaw(s: Samples, archiveBytes: number, treeBytes: number): string {
  const lines = RawLines.filter(([name]) => s.has(name)).map(([name, label, moves]) => {
    const seconds = s.seconds(name);
    const bytes = moves === 'archive' ? archiveBytes : moves === 'tree' ? treeBytes : 0;
    const rate = bytes ? `, ${(bytes / 2 ** 20 / seconds).toFixed(0)} MiB/s` : '';
    return `  ${label}: ${seconds.toFixed(2)} s (CPU ${s.cpuSeconds(name).toFixed(2)} s${rate})`;
  });
  return ['raw baselines (medians):', ...lines].join('\n');
}
