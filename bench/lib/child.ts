import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { clockTicks, parseTimes } from './cpu.js';

/** One measured child process. */
export interface Measured {
  /** Wall time from spawn to exit: process start included, as a CI step sees it. */
  seconds: number;
  /** CPU of the process and of the children it waited for (tar, zstd). */
  cpuSeconds: number;
  /** Peak RSS of the node process itself (not of tar or zstd); node children only. */
  maxRssMiB?: number;
  stdout: string;
}

const Probe = fileURLToPath(new URL('../rss-probe.mjs', import.meta.url));
let probes = 0;

/** Runs `node <args>` (in `cwd`) with the RSS/CPU probe loaded; fails on a non-zero exit. */
export async function runNode(
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<Measured> {
  const out = path.join(os.tmpdir(), `bench-probe-${process.pid}-${++probes}.json`);
  const run = await measure(
    process.execPath,
    ['--import', Probe, ...args],
    {
      ...env,
      BENCH_PROBE_OUT: out,
      BENCH_CLK_TCK: String(clockTicks()),
    },
    cwd,
  );
  try {
    const p = JSON.parse(readFileSync(out, 'utf8')) as {
      maxRssKiB: number;
      cpuSeconds: number;
      childCpuSeconds: number | null;
    };
    return {
      ...run,
      cpuSeconds: p.cpuSeconds + (p.childCpuSeconds ?? 0),
      maxRssMiB: p.maxRssKiB / 1024,
    };
  } finally {
    rmSync(out, { force: true });
  }
}

/** Runs a shell script (a raw pipeline); CPU from the shell's `times` for its children. */
export async function runShell(script: string): Promise<Measured> {
  const run = await measure('sh', ['-c', `${script}\ntimes`], { PATH: process.env.PATH ?? '' });
  return { ...run, cpuSeconds: parseTimes(run.stdout) };
}

async function measure(
  file: string,
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<Omit<Measured, 'cpuSeconds'>> {
  const start = performance.now();
  const child = spawn(file, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  const seconds = (performance.now() - start) / 1000;
  if (!child.stdout.closed) await once(child.stdout, 'close');
  if (code !== 0) {
    const what = [path.basename(file), ...args.slice(-12)].join(' ');
    throw new Error(`${what} exited ${code ?? signal}:\n${stderr}\n${stdout}`.slice(0, 4000));
  }
  return { seconds, stdout };
}
