#!/usr/bin/env node
// Writes a reference-like tree once: `node bench/make-tree.mjs DIR [files] [MiB]`. Defaults:
// 30,000 files, 400 MiB, half of the bytes pseudo-text (compresses about 4:1 with zstd -3, like
// sources and lockfiles), half random (build outputs, already-compressed jars). Sizes follow a
// long tail: most files are a few KiB, a few hundred are large, as in node_modules or ~/.m2.
// Deterministic (seeded), so every run measures the same bytes. Does nothing if DIR exists.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [dir, filesArg, mibArg] = process.argv.slice(2);
if (!dir) throw new Error('usage: make-tree.mjs DIR [files] [MiB]');
if (existsSync(dir)) process.exit(0);
const files = Number(filesArg ?? 30_000);
const total = Number(mibArg ?? 400) * 1024 * 1024;

// mulberry32: a full-period 32-bit generator (a float LCG would cycle and make text repeat).
let seed = 42;
const rnd = () => {
  let t = (seed = (seed + 0x6d2b79f5) | 0);
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const words = Array.from({ length: 2000 }, (_, i) =>
  Array.from({ length: 2 + (i % 9) }, () => String.fromCharCode(97 + Math.floor(rnd() * 26))).join(
    '',
  ),
);
function text(size) {
  const parts = [];
  let n = 0;
  while (n < size) {
    const line =
      Array.from(
        { length: 4 + Math.floor(rnd() * 10) },
        () => words[Math.floor(rnd() * rnd() * words.length)],
      ).join(' ') + ';\n';
    parts.push(line);
    n += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

// Long-tailed sizes: weights w_i = r^4, scaled to the total.
const weights = Array.from({ length: files }, () => rnd() ** 4 + 0.002);
const sum = weights.reduce((a, b) => a + b, 0);
let written = 0;
for (let i = 0; i < files; i++) {
  const size = Math.max(1, Math.round((weights[i] / sum) * total));
  const d = path.join(dir, `pkg-${i % 300}`, `sub-${i % 7}`);
  mkdirSync(d, { recursive: true });
  // Alternate text and random in blocks so both size classes get both kinds.
  const data = i % 2 === 0 ? text(size) : randomBytes(size);
  writeFileSync(path.join(d, `file-${i}.${i % 2 === 0 ? 'js' : 'bin'}`), data);
  written += size;
}
console.log(`${files} files, ${(written / 1024 / 1024).toFixed(0)} MiB in ${dir}`);
