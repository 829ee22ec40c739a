import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

import * as glob from '@actions/glob';

import { resolveArchiveList } from '../src/archive/paths.js';
import { TarArchiver } from '../src/archive/tar-archiver.js';
import type { Logger } from '../src/logger.js';

const quiet: Logger = { info: () => {}, debug: () => {}, warning: () => {} };

// Excludes inside a 30,000-file directory (BENCH_FILES), packed with no compression so the file
// list is what is measured: our walk-and-list against `tar -c dir` with no exclusion at all
// (the floor), against @actions/glob walking the same tree, and against GNU tar's own --exclude.
// Ratios against the raw tar run in the same process, best of BENCH_REPEAT.
const files = Number(process.env.BENCH_FILES ?? 30_000);
const repeat = Number(process.env.BENCH_REPEAT ?? 5);

async function best(fn: () => unknown): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < repeat; i++) {
    const t = process.hrtime.bigint();
    await fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return min;
}

test(`excludes in a ${files}-file directory vs plain tar`, async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'bucket-cache-bench-excl-'));
  try {
    const ws = path.join(root, 'ws');
    for (let i = 0; i < files; i++) {
      const dir = path.join(ws, 'victim', `d${i % 30}`, `e${Math.floor(i / 30) % 20}`);
      if (i < 600) mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `f${i}.${i % 10 === 0 ? 'log' : 'txt'}`), `file ${i}\n`);
    }
    const tmp = path.join(root, 'tmp');
    mkdirSync(tmp);
    const patterns = ['victim', '!victim/secret.txt', '!victim/**/*.log'];

    const rawTar = await best(() =>
      execFileSync('tar', ['--posix', '-cf', '/dev/null', '-C', ws, 'victim']),
    );
    const tarExclude = await best(() =>
      execFileSync('tar', [
        '--posix',
        '-cf',
        '/dev/null',
        '-C',
        ws,
        '--anchored',
        '--exclude=victim/secret.txt',
        '--exclude=victim/*.log',
        'victim',
      ]),
    );
    let listed = 0;
    const listOnly = await best(async () => {
      const l = await resolveArchiveList(patterns, ws);
      listed = l.exact.length;
    });
    const ours = await best(async () => {
      const l = await resolveArchiveList(patterns, ws);
      await pipeline(
        new TarArchiver({ logger: quiet }).create({
          workspace: ws,
          files: l.recursive,
          exactFiles: l.exact,
          method: 'none',
          tempDir: tmp,
        }),
        createWriteStream('/dev/null'),
      );
    });
    const actionsGlob = await best(async () => {
      const g = await glob.create(
        patterns.map((p) => (p.startsWith('!') ? `!${ws}/${p.slice(1)}` : `${ws}/${p}`)).join('\n'),
        { implicitDescendants: true, followSymbolicLinks: false },
      );
      for await (const f of g.globGenerator()) void f;
    });

    const row = (name: string, ms: number): string =>
      `${name.padEnd(46)} ${ms.toFixed(0).padStart(6)} ms  ${(ms / rawTar).toFixed(2)}x`;
    console.log(
      [
        `${files} files, ${listed} names listed after exclusions (best of ${repeat})`,
        row('tar -c victim (no exclusion; the floor)', rawTar),
        row('tar --exclude (not glob-equivalent)', tarExclude),
        row('resolveArchiveList only (walk + match)', listOnly),
        row('resolveArchiveList + TarArchiver.create', ours),
        row('@actions/glob walk only (implicitDescendants)', actionsGlob),
      ].join('\n'),
    );
    expect(listed).toBeGreaterThan(files * 0.85);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}, 600_000);
