// Loaded with `node --import` into a measured child (the CLI, a raw transfer): on exit it writes
// what only the process itself can see to the file named by BENCH_PROBE_OUT, as JSON:
// - maxRssKiB: its peak resident set, VmHWM of /proc/self/status. Not getrusage's ru_maxrss
//   (process.resourceUsage().maxRSS): Linux carries that over from the forked copy of the parent
//   across exec, so a child of a 400 MiB jest process reports at least 400 MiB;
// - cpuSeconds: its own user + system CPU;
// - childCpuSeconds: user + system CPU of the children it waited for (tar, zstd), from
//   /proc/self/stat cutime + cstime, which the kernel adds up as each child is reaped.
import { readFileSync, writeFileSync } from 'node:fs';

const out = process.env.BENCH_PROBE_OUT;
if (out) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    let maxRssKiB = null;
    let childCpuSeconds = null;
    try {
      const status = readFileSync('/proc/self/status', 'utf8');
      maxRssKiB = Number(/^VmHWM:\s*(\d+) kB/m.exec(status)?.[1] ?? NaN);
      // Fields after the command name (which may hold spaces): cutime and cstime are 16 and 17.
      const stat = readFileSync('/proc/self/stat', 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(process.env.BENCH_CLK_TCK ?? 100);
      childCpuSeconds = (Number(fields[13]) + Number(fields[14])) / ticks;
    } catch {
      // Not Linux: the peak is ru_maxrss (see above), children's CPU unknown.
    }
    writeFileSync(
      out,
      JSON.stringify({
        maxRssKiB: Number.isFinite(maxRssKiB) ? maxRssKiB : usage.maxRSS,
        cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
        childCpuSeconds,
      }),
    );
  });
}
