// Loaded with `node --import` into a measured child (the CLI, a raw transfer): on exit it writes
// what only the process itself can see to the file named by BENCH_PROBE_OUT, as JSON:
// - maxRssKiB: its peak resident set (getrusage ru_maxrss of this process; children excluded);
// - cpuSeconds: its own user + system CPU;
// - childCpuSeconds: user + system CPU of the children it waited for (tar, zstd), from
//   /proc/self/stat cutime + cstime, which the kernel adds up as each child is reaped.
import { readFileSync, writeFileSync } from 'node:fs';

const out = process.env.BENCH_PROBE_OUT;
if (out) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    let childCpuSeconds = null;
    try {
      // Fields after the command name (which may hold spaces): cutime and cstime are 16 and 17.
      const stat = readFileSync('/proc/self/stat', 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(process.env.BENCH_CLK_TCK ?? 100);
      childCpuSeconds = (Number(fields[13]) + Number(fields[14])) / ticks;
    } catch {
      // Not Linux: children's CPU unknown.
    }
    writeFileSync(
      out,
      JSON.stringify({
        maxRssKiB: usage.maxRSS,
        cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
        childCpuSeconds,
      }),
    );
  });
}
