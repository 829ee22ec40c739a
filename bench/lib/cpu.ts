import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticks: number | undefined;

/** The kernel's clock ticks per second, the unit of /proc/<pid>/stat times. */
export function clockTicks(): number {
  ticks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticks;
}

/** User + system CPU seconds a running process (s3rver) has used so far, from /proc/<pid>/stat. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name: utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/** CPU seconds of this process (the jest process, where the S3 proxy runs). */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * The children's line of the POSIX shell builtin `times`: "0m1.230000s 0m0.450000s" (user,
 * system), as dash and bash print it. Returns their sum in seconds.
 */
export function parseTimes(output: string): number {
  const lines = output.trim().split('\n');
  const children = lines[lines.length - 1] ?? '';
  const values = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map(
    ([, m, s]) => Number(m) * 60 + Number(s),
  );
  if (values.length !== 2) throw new Error(`cannot read \`times\` output: ${output}`);
  return values[0]! + values[1]!;
}

/**
 * Starts counting the CPU of the S3 server side: s3rver (its own process) and the proxy (this
 * process, which is otherwise idle while it waits for the measured child). Returns the stopper.
 */
export function serverCpuMeter(s3rverPid: number): () => number {
  const start = processCpuSeconds(s3rverPid) + ownCpuSeconds();
  return () => processCpuSeconds(s3rverPid) + ownCpuSeconds() - start;
}
