import { markdownTable, textTable } from './format.js';
import { type PeerCase, PeerCases, sampleName } from './peer-cases.js';
import type { Samples } from './stats.js';
import type { Tool } from './tools.js';

const Labels: Record<PeerCase, string> = {
  save: 'save',
  restore: 'restore (hit)',
  miss: 'miss, 1 restore key',
};

const Head = [
  'case',
  'tool',
  'wall (median)',
  'runs',
  'x best peer',
  'CPU-s',
  'peak RSS',
  'x leanest peer',
];

/**
 * One line per case, link and tool: median wall time, every run, the ratio to the fastest peer
 * of that case, median CPU seconds (the process and its tar/zstd children), and the highest
 * peak RSS over the runs with its ratio to the leanest peer.
 */
export function peerRows(s: Samples, tools: Tool[], links: string[]): string[][] {
  const rows: string[][] = [];
  for (const link of links) {
    for (const c of PeerCases) {
      const measured = tools.filter((t) => s.has(sampleName(c, link, t)));
      const of = (t: Tool) => sampleName(c, link, t);
      const peers = measured.filter((t) => t.peer);
      const best = peers.length ? Math.min(...peers.map((t) => s.seconds(of(t)))) : NaN;
      const leanest = peers.length ? Math.min(...peers.map((t) => s.maxRssMiB(of(t)) ?? NaN)) : NaN;
      for (const t of measured) {
        const seconds = s.seconds(of(t));
        const rss = s.maxRssMiB(of(t)) ?? NaN;
        rows.push([
          `${Labels[c]}, ${link}`,
          t.name,
          `${seconds.toFixed(2)} s`,
          s
            .runs(of(t))
            .map((v) => v.toFixed(2))
            .join(' '),
          ratio(seconds, best),
          s.cpuSeconds(of(t)).toFixed(2),
          `${rss.toFixed(0)} MiB`,
          ratio(rss, leanest),
        ]);
      }
    }
  }
  return rows;
}

const ratio = (v: number, base: number): string =>
  Number.isFinite(base) ? `${(v / base).toFixed(2)}x` : '-';

export const formatPeerTable = (rows: string[][]): string => textTable(Head, rows);
export const formatPeerMarkdown = (rows: string[][]): string => markdownTable(Head, rows);
