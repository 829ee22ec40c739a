import type { Samples } from './stats.js';
import type { Row } from './targets.js';

const num = (v: number, unit: string): string => `${v.toFixed(unit === 's' ? 2 : 0)} ${unit}`;

function cells(r: Row): string[] {
  return [
    r.case,
    num(r.value, r.unit),
    r.runs.map((v) => v.toFixed(r.unit === 's' ? 2 : 0)).join(' '),
    r.baseline ? `${r.baseline.label} ${num(r.baseline.value, r.unit)}` : '',
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`,
    r.target,
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
    r.rssMiB === undefined ? '' : num(r.rssMiB, 'MiB'),
  ];
}

const Head = ['case', 'bucket-cache', 'runs', 'raw baseline', 'ratio', 'target', 'met', 'peak RSS'];

/** The table as fixed-width text for the terminal. */
export function formatTable(all: Row[]): string {
  return textTable(Head, all.map(cells));
}

/** The same table in Markdown, for the README. */
export function formatMarkdown(all: Row[]): string {
  return markdownTable(Head, all.map(cells));
}

/** Any table as fixed-width text: columns as wide as their widest cell. */
export function textTable(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (c: string[]): string =>
    c
      .map((x, i) => x.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** Any table in Markdown. */
export function markdownTable(head: string[], body: string[][]): string {
  const line = (c: string[]): string => `| ${c.map((x) => x.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n');
}

const Raw: Array<[name: string, label: string, moves: 'archive' | 'tree' | 'none']> = [
  ['pack', 'pack: tar -cf - | zstd -T0 -3 > file', 'tree'],
  ['unpack', 'unpack: zstd -d < file | tar -xf -', 'tree'],
  [
    'unpack.stored',
    'unpack of the archive bucket-cache stored (fs save): the same command',
    'tree',
  ],
  ['put.loopback', 'raw multipart PUT, loopback (CPU incl. s3rver + proxy)', 'archive'],
  ['get.loopback', 'raw parallel ranged GET, loopback', 'archive'],
  ['put.shaped', 'raw multipart PUT, shaped link (CPU incl. s3rver + proxy)', 'archive'],
  ['get.shaped', 'raw parallel ranged GET, shaped link', 'archive'],
  ['start', 'node start (node -e 0)', 'none'],
  ['list.s3', 'raw ListObjectsV2 of 10,000 manifests (node + SDK)', 'none'],
  ['big.pack', 'pack of the 2 GiB tree', 'none'],
  ['big.unpack', 'unpack of the 2 GiB archive', 'none'],
];

/** The raw measurements themselves: medians, CPU and rates. */
export function formatRaw(s: Samples, archiveBytes: number, treeBytes: number): string {
  const lines = Raw.filter(([name]) => s.has(name)).map(([name, label, moves]) => {
    const seconds = s.seconds(name);
    const bytes = moves === 'archive' ? archiveBytes : moves === 'tree' ? treeBytes : 0;
    const rate = bytes ? `, ${(bytes / 2 ** 20 / seconds).toFixed(0)} MiB/s` : '';
    return `- ${label}: ${seconds.toFixed(2)} s (CPU ${s.cpuSeconds(name).toFixed(2)} s${rate})`;
  });
  return ['raw baselines (medians):', ...lines].join('\n');
}
