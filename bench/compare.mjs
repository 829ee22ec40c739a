#!/usr/bin/env node
// Runs shell commands alternately, N rounds, and prints each one's median wall time, CPU
// seconds (user+sys, children included) and peak RSS, and its ratio to the first command, so
// noise from other work on the machine hits both sides alike. WATCH_PIDS (space-separated, e.g.
// s3rver's and the proxy's) adds those processes' CPU seconds during each command as `server`.
//   node bench/compare.mjs N 'raw=tar ... | zstd ...' 'ours=node dist/cli/index.js save ...'
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const watched = (process.env.WATCH_PIDS ?? '').split(/\s+/).filter(Boolean);
const ticks = 100; // USER_HZ
const serverCpu = () =>
  watched.reduce((sum, pid) => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return sum + (Number(f[11]) + Number(f[12])) / ticks;
  }, 0);

const [roundsArg, ...specs] = process.argv.slice(2);
const cmds = specs.map((s) => {
  const at = s.indexOf('=');
  return { name: s.slice(0, at), cmd: s.slice(at + 1), wall: [], cpu: [], rss: [], server: [] };
});
let round = 0;
for (let r = 0; r < Number(roundsArg); r++) {
  for (const c of cmds) {
    const cmd = c.cmd.replaceAll('$ROUND', `${process.pid}-${round++}`);
    const server0 = serverCpu();
    const res = spawnSync('/usr/bin/time', ['-f', '@@ %e %U %S %M', 'sh', '-c', cmd], {
      encoding: 'utf8',
    });
    const m = /@@ ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(res.stderr);
    if (res.status !== 0 || !m) throw new Error(`${c.name} failed: ${res.stderr}`);
    c.wall.push(+m[1]);
    c.cpu.push(+m[2] + +m[3]);
    c.rss.push(+m[4] / 1024);
    c.server.push(serverCpu() - server0);
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const base = median(cmds[0].wall);
for (const c of cmds) {
  console.log(
    `${c.name.padEnd(14)} wall ${median(c.wall).toFixed(2)} s (${(median(c.wall) / base).toFixed(2)}x)` +
      `  cpu ${median(c.cpu).toFixed(2)} s` +
      (watched.length ? `  server cpu ${median(c.server).toFixed(2)} s` : '') +
      `  maxrss ${median(c.rss).toFixed(0)} MiB` +
      `  [${c.wall.map((w) => w.toFixed(2)).join(' ')}]`,
  );
}
