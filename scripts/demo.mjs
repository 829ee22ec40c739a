#!/usr/bin/env node
// `npm run demo`: a real save → restore round trip through the built action (dist/), run the
// way a GitHub runner runs it, on the filesystem backend in a temporary directory.
import { createHash, randomBytes } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { runAction } from './run-action.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'bucket-cache-demo-'));
const cacheRoot = path.join(tmp, 'cache-store');
const say = (s) => console.log(s);

function makeProject(dir) {
  mkdirSync(path.join(dir, 'deps', 'lib', 'nested'), { recursive: true });
  writeFileSync(path.join(dir, 'package-lock.json'), '{"lockfileVersion": 3}\n');
  writeFileSync(path.join(dir, 'deps', 'lib', 'index.js'), 'module.exports = 42;\n');
  writeFileSync(path.join(dir, 'deps', 'lib', 'nested', 'blob.bin'), randomBytes(3 * 1024 * 1024));
}

function digestTree(dir) {
  const h = createHash('sha256');
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = statSync(p);
      h.update(path.relative(dir, p));
      if (st.isDirectory()) walk(p);
      else h.update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

function step(ws, extra = {}) {
  return {
    inputs: {
      path: 'deps',
      key: `demo-${process.platform}-lock1`,
      'restore-keys': `demo-${process.platform}-`,
      'fs-root': cacheRoot,
      ...extra,
    },
    env: {
      GITHUB_WORKSPACE: ws,
      GITHUB_REPOSITORY: 'octo-org/demo-app',
      GITHUB_REF: 'refs/heads/main',
      RUNNER_TEMP: path.join(tmp, 'runner-temp'),
    },
  };
}

function show(label, run) {
  say(`\n$ ${label}  (exit ${run.code})`);
  for (const line of run.stdout.split('\n')) {
    if (line && !line.startsWith('::debug::') && !line.startsWith('::add-mask::'))
      say(`  | ${line}`);
  }
  if (Object.keys(run.outputs).length) say(`  outputs: ${JSON.stringify(run.outputs)}`);
  if (run.code !== 0) {
    say(run.stderr);
    throw new Error(`${label} exited ${run.code}`);
  }
}

try {
  mkdirSync(path.join(tmp, 'runner-temp'));
  const wsA = path.join(tmp, 'job-1');
  const wsB = path.join(tmp, 'job-2');
  mkdirSync(wsA);
  mkdirSync(wsB);
  makeProject(wsA);
  const original = digestTree(path.join(wsA, 'deps'));
  say(`bucket-cache demo: filesystem backend at ${cacheRoot}`);

  const restoreBundle = path.join(root, 'dist/restore/index.js');
  const saveBundle = path.join(root, 'dist/save/index.js');

  const miss = await runAction({ bundle: restoreBundle, ...step(wsA) });
  show('job 1: main step (restore)', miss);
  if (miss.outputs['cache-hit'] !== 'false') throw new Error('expected a miss on an empty store');

  const saved = await runAction({ bundle: saveBundle, ...step(wsA), state: miss.state });
  show('job 1: post step (save)', saved);

  const hit = await runAction({ bundle: restoreBundle, ...step(wsB) });
  show('job 2: main step (restore in a fresh workspace)', hit);
  if (hit.outputs['cache-hit'] !== 'true') throw new Error('expected a hit');

  const restored = digestTree(path.join(wsB, 'deps'));
  const skip = await runAction({ bundle: saveBundle, ...step(wsB), state: hit.state });
  show('job 2: post step (save skipped on exact hit)', skip);

  const entries = [];
  const walk = (d) => {
    for (const n of readdirSync(d)) {
      const p = path.join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else entries.push(`${path.relative(cacheRoot, p)} (${statSync(p).size} bytes)`);
    }
  };
  walk(cacheRoot);
  say(`\nstore now holds:\n${entries.map((e) => `  ${e}`).join('\n')}`);
  say(`\ntree digest saved ${original.slice(0, 16)}, restored ${restored.slice(0, 16)}`);
  if (restored !== original) throw new Error('restored files differ from the saved ones');
  say('demo OK: miss → save → exact hit in a fresh workspace → save skipped');
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
