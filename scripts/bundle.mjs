#!/usr/bin/env node
// Builds the four bundles (restore, save, prune, cli): tsc emits ESM JavaScript to lib/ (ncc's own TypeScript path compiles
// ESM sources as CommonJS), then ncc bundles each entry. `--out DIR` writes elsewhere than dist/,
// which is how the freshness test rebuilds without touching the committed bundles.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const at = process.argv.indexOf('--out');
const out = at > 0 ? path.resolve(process.argv[at + 1]) : path.join(root, 'dist');
const run = (script, args) =>
  execFileSync(process.execPath, [script, ...args], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });

rmSync(path.join(root, 'lib'), { recursive: true, force: true });
run(require.resolve('typescript/bin/tsc'), ['-p', 'tsconfig.build.json']);
for (const entry of ['restore', 'save', 'prune', 'cli']) {
  rmSync(path.join(out, entry), { recursive: true, force: true });
  run(require.resolve('@vercel/ncc/dist/ncc/cli.js'), [
    'build',
    `lib/${entry}.js`,
    '-o',
    path.join(out, entry),
    '-q',
    '--license',
    'licenses.txt',
  ]);
}
