#!/usr/bin/env node
// In-process save with phase timestamps and CPU, against the raw pipeline in the same run:
//   npx tsc -p tsconfig.build.json   (builds lib/; `npm run bundle` does too)
//   node bench/save-phases.mjs WORKSPACE STORE_DIR [rounds]      (fs backend)
//   S3_ENDPOINT=... S3_BUCKET=... node bench/save-phases.mjs WORKSPACE s3 [rounds]
// WORKSPACE must hold `deps` (bench/make-tree.mjs). Prints, per round: raw `tar | zstd -T0 -3 >
// file` (fs) or nothing (s3), then our save's wall, process CPU (user+sys, this process only),
// children's CPU, peak RSS, and when the backend saw the first byte and the put ended.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const lib = (m) => import(pathToFileURL(path.join(root, 'lib', m)).href);
const { saveCache } = await lib('cache/save-cache.js');
const { TarArchiver } = await lib('archive/tar-archiver.js');
const { createBackend } = await lib('storage/create-backend.js');

const [ws, store, roundsArg] = process.argv.slice(2);
const s3 = store === 's3';
const transfer = {
  concurrency: Number(process.env.CONCURRENCY ?? 8),
  partSize: Number(process.env.PART_MIB ?? 16) * 1024 * 1024,
  stallTimeoutMs: 120_000,
  timeoutMs: 0,
};
const storage = s3
  ? {
      kind: 's3',
      bucket: process.env.S3_BUCKET,
      endpoint: process.env.S3_ENDPOINT,
      forcePathStyle: true,
      region: 'us-east-1',
      checksum: 'when-required',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    }
  : { kind: 'fs', root: store };
const quiet = { info: () => {}, debug: () => {}, warning: () => {} };
const ctx = { ci: 'bench', workspace: ws, owner: 'o', repo: 'r', ref: 'refs/heads/main' };
const tmp = mkdtempSync('/tmp/perf-save-');

for (let r = 0; r < Number(roundsArg ?? 3); r++) {
  if (!s3) {
    const t = performance.now();
    execFileSync('sh', [
      '-c',
      `tar -cf - -C "${ws}" deps | zstd -T0 -3 -q -c > "${store}/raw.tar.zst"`,
    ]);
    console.log(`raw   ${((performance.now() - t) / 1000).toFixed(2)} s`);
  }
  const inner = await createBackend(storage, transfer);
  const marks = {};
  const t0 = performance.now();
  const mark = (k) => (marks[k] ??= Math.round(performance.now() - t0));
  const backend = new Proxy(inner, {
    get(target, prop) {
      const v = target[prop];
      if (prop === 'put')
        return async (name, body, opts) => {
          const which = name.includes('/archives/') ? 'archive' : 'manifest';
          mark(`${which}-put`);
          body.once('data', () => mark(`${which}-first-byte`));
          try {
            return await v.call(target, name, body, opts);
          } finally {
            mark(`${which}-done`);
          }
        };
      if (prop === 'stat') return async (...a) => (mark('stat'), v.apply(target, a));
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const peak = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], Math.round(m[k] / 2 ** 20));
  }, 20);
  const cpu0 = process.cpuUsage();
  const res = await saveCache(
    { backend, archiver: new TarArchiver(), logger: quiet },
    {
      cache: {
        paths: ['deps'],
        key: `k-${process.pid}-${r}-${Date.now()}`,
        restoreKeys: [],
        failOnCacheMiss: false,
        lookupOnly: false,
        enableCrossOsArchive: false,
        prefix: '',
        save: true,
        overwrite: false,
        scope: 'branch',
        compression: 'zstd',
      },
      transfer,
      context: ctx,
      method: 'zstd',
      tempDir: tmp,
      tool: 'bench',
    },
  );
  const wall = performance.now() - t0;
  clearInterval(sampler);
  const cpu = process.cpuUsage(cpu0);
  await inner.close();
  console.log(
    `ours  ${(wall / 1000).toFixed(2)} s  node cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s` +
      `  maxrss ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB  ${res.status} ` +
      `${((res.size ?? 0) / 2 ** 20).toFixed(0)} MiB  peak MiB ${JSON.stringify(peak)}  ${JSON.stringify(marks)}`,
  );
  if (!s3) rmSync(path.join(store, 'o'), { recursive: true, force: true });
}
rmSync(tmp, { recursive: true, force: true });
