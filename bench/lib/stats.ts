import type { Measured } from './child.js';

/** A measured run, with the S3 server side's CPU where the run talked to s3rver. */
export type Sample = Omit<Measured, 'stdout'> & { serverCpuSeconds?: number };

/** Every sample of every measurement of one bench run, by measurement name. */
export class Samples {
  readonly all = new Map<string, Sample[]>();

  /** `report` sees each sample as it is added (progress on a long bench). */
  constructor(private readonly report: (line: string) => void = () => undefined) {}

  add(name: string, s: Measured & { serverCpuSeconds?: number }): void {
    const { seconds, cpuSeconds, maxRssMiB, serverCpuSeconds } = s;
    const list = this.all.get(name) ?? [];
    list.push({ seconds, cpuSeconds, maxRssMiB, serverCpuSeconds });
    this.all.set(name, list);
    const server = serverCpuSeconds === undefined ? '' : ` + server ${serverCpuSeconds.toFixed(2)}`;
    const rss = maxRssMiB === undefined ? '' : `, peak RSS ${Math.round(maxRssMiB)} MiB`;
    this.report(
      `  ${name}: ${seconds.toFixed(2)} s, CPU ${cpuSeconds.toFixed(2)} s${server}${rss}`,
    );
  }

  has(name: string): boolean {
    return this.all.has(name);
  }

  /** Median wall seconds. */
  seconds(name: string): number {
    return median(this.get(name).map((s) => s.seconds));
  }

  /** Every run's wall seconds, in order. */
  runs(name: string): number[] {
    return this.get(name).map((s) => s.seconds);
  }

  /** Median CPU seconds of the process and its children, plus the server's where measured. */
  cpuSeconds(name: string): number {
    return median(this.get(name).map((s) => s.cpuSeconds + (s.serverCpuSeconds ?? 0)));
  }

  /** Highest peak RSS over the runs. */
  maxRssMiB(name: string): number | undefined {
    const values = this.get(name).flatMap((s) => (s.maxRssMiB === undefined ? [] : [s.maxRssMiB]));
    return values.length ? Math.max(...values) : undefined;
  }

  private get(name: string): Sample[] {
    const list = this.all.get(name);
    if (!list?.length) throw new Error(`no samples for ${name}`);
    return list;
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
