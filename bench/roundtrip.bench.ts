import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { cacheSettings, quiet, transferSettings } from '../__tests__/helpers/fixtures.js';
import { resolveCompression } from '../src/archive/compression.js';
import { TarArchiver } from '../src/archive/tar-archiver.js';
import { restoreCache } from '../src/cache/restore-cache.js';
import { saveCache } from '../src/cache/save-cache.js';
import type { RunContext } from '../src/context.js';
import { FsBackend } from '../src/storage/fs-backend.js';

// End-to-end save and restore through the real archiver and the fs backend, against the raw
// `tar | zstd -T0` pipeline measured in the same run (ratios, because these machines are noisy).
// BENCH_SIZE_MIB sets the data size (default 512).
const sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? 512);

function makeData(dir: string): void {
  // Half incompressible (build outputs), half compressible text (sources, lockfiles), in many files.
  let left = sizeMiB * 1024 * 1024;
  let i = 0;
  while (left > 0) {
    const sub = path.join(dir, `pkg-${i % 50}`);
    mkdirSync(sub, { recursive: true });
    const big = i % 20 === 0;
    const size = Math.min(left, big ? 16 * 1024 * 1024 : 96 * 1024);
    // Alternate within each size class so about half the bytes are incompressible.
    const random = big ? (i / 20) % 2 === 1 : i % 2 === 1;
    const data = random
      ? randomBytes(size)
      : Buffer.from(
          `line ${i} lorem ipsum dolor sit amet\n`.repeat(Math.ceil(size / 40)).slice(0, size),
        );
    writeFileSync(path.join(sub, `f${i}.bin`), data);
    left -= size;
    i++;
  }
}

function time(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

test(`save and restore ${sizeMiB} MiB vs raw tar | zstd`, async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'bucket-cache-bench-'));
  try {
    const ws = path.join(root, 'ws');
    makeData(path.join(ws, 'deps'));
    const raw = path.join(root, 'raw.tar.zst');
    const rawOut = path.join(root, 'raw-out');
    mkdirSync(rawOut);
    const rawSave = time(() =>
      execFileSync('sh', ['-c', `tar -cf - -C "${ws}" deps | zstd -T0 -3 -q -c > "${raw}"`]),
    );
    const rawRestore = time(() =>
      execFileSync('sh', ['-c', `zstd -d -q -c "${raw}" | tar -xf - -C "${rawOut}"`]),
    );

    const method = await resolveCompression('auto');
    const backend = new FsBackend({ kind: 'fs', root: path.join(root, 'store') });
    const transfer = transferSettings();
    const cache = cacheSettings({ key: 'bench', compression: 'auto' });
    const ctx: RunContext = {
      ci: 'bench',
      workspace: ws,
      owner: 'o',
      repo: 'r',
      ref: 'refs/heads/main',
    };
    const deps = { backend, archiver: new TarArchiver({ logger: quiet }), logger: quiet };
    // The jest process alone is ~150 MiB, and makeData's buffers linger until V8 collects them:
    // the RSS when measuring starts is the floor that the peak is to be read against.
    const rssAtStart = process.memoryUsage().rss;
    let peakRss = rssAtStart;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    const tmp = path.join(root, 'tmp');
    mkdirSync(tmp);
    const ourSave = await timeAsync(() =>
      saveCache(deps, { cache, transfer, context: ctx, method, tempDir: tmp, tool: 'bench' }),
    );
    const ws2 = path.join(root, 'ws2');
    mkdirSync(ws2);
    const ourRestore = await timeAsync(() =>
      restoreCache(deps, {
        cache,
        transfer,
        context: { ...ctx, workspace: ws2 },
        method,
        tempDir: tmp,
      }),
    );
    clearInterval(sampler);

    const result = {
      bench: 'fs-roundtrip',
      sizeMiB,
      method,
      rawSaveMs: Math.round(rawSave),
      rawRestoreMs: Math.round(rawRestore),
      saveMs: Math.round(ourSave),
      restoreMs: Math.round(ourRestore),
      saveRatio: +(ourSave / rawSave).toFixed(2),
      restoreRatio: +(ourRestore / rawRestore).toFixed(2),
      rssAtStartMiB: Math.round(rssAtStart / 1024 / 1024),
      peakRssMiB: Math.round(peakRss / 1024 / 1024),
    };
    console.log(
      `save ${result.saveMs} ms (${result.saveRatio}x raw tar|zstd ${result.rawSaveMs} ms); ` +
        `restore ${result.restoreMs} ms (${result.restoreRatio}x raw ${result.rawRestoreMs} ms); ` +
        `peak RSS ${result.peakRssMiB} MiB (${result.rssAtStartMiB} MiB when measuring started)\n` +
        JSON.stringify(result),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
