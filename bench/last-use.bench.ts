import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { cacheSettings, quiet, transferSettings } from '../__tests__/helpers/fixtures.js';
import { startS3Server } from '../__tests__/helpers/s3-server.js';
import { resolveCompression } from '../src/archive/compression.js';
import { TarArchiver } from '../src/archive/tar-archiver.js';
import { locateEntries } from '../src/cache/layout.js';
import { restoreCache } from '../src/cache/restore-cache.js';
import { saveCache } from '../src/cache/save-cache.js';
import { recordUse, usageMarkerName } from '../src/cache/usage.js';
import type { RunContext } from '../src/context.js';
import { S3Backend } from '../src/storage/s3-backend.js';

// What recording last use adds to a restore, against s3rver on loopback: a plain restore (the
// raw baseline), a restore plus the marker check on a day it exists (one HEAD), and a restore
// plus the first use of the day (HEAD and PUT), interleaved round by round; medians and ratios,
// because these machines are noisy. BENCH_SIZE_MIB (default 64) and BENCH_ROUNDS (default 7).
const sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? 64);
const rounds = Number(process.env.BENCH_ROUNDS ?? 7);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

test(`last-use marker cost on a ${sizeMiB} MiB restore`, async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'bucket-cache-bench-use-'));
  const server = await startS3Server();
  const backend = new S3Backend(
    {
      kind: 's3',
      bucket: server.bucket,
      region: server.region,
      endpoint: server.upstreamEndpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      checksum: 'when-required',
    },
    transferSettings(),
  );
  try {
    const ws = path.join(root, 'ws');
    mkdirSync(path.join(ws, 'deps'), { recursive: true });
    for (let i = 0; i < sizeMiB; i++)
      writeFileSync(path.join(ws, 'deps', `f${i}`), randomBytes(1 << 20));
    const method = await resolveCompression('auto');
    const cache = cacheSettings({ key: 'bench', compression: 'auto' });
    const ctx: RunContext = {
      ci: 'bench',
      workspace: ws,
      owner: 'o',
      repo: 'r',
      ref: 'refs/heads/main',
    };
    const deps = { backend, archiver: new TarArchiver({ logger: quiet }), logger: quiet };
    const tmp = path.join(root, 'tmp');
    mkdirSync(tmp);
    const transfer = transferSettings();
    await saveCache(deps, { cache, transfer, context: ctx, method, tempDir: tmp, tool: 'bench' });
    const { layout, version } = locateEntries(cache, ctx, method);
    const manifest = layout.manifestName({ kind: 'ref', ref: 'refs/heads/main' }, version, 'bench');
    const target = { ...ctx, workspace: path.join(root, 'ws2') };
    mkdirSync(target.workspace);
    const restore = () =>
      restoreCache(deps, { cache, transfer, context: target, method, tempDir: tmp });

    const base: number[] = [];
    const current: number[] = [];
    const stale: number[] = [];
    const markerCurrent: number[] = [];
    const markerStale: number[] = [];
    await restore(); // warm up: page cache, sockets
    await recordUse(backend, manifest);
    for (let r = 0; r < rounds; r++) {
      base.push(await timed(restore));
      current.push(
        await timed(async () => {
          await restore();
          markerCurrent.push(await timed(() => recordUse(backend, manifest)));
        }),
      );
      await backend.delete(usageMarkerName(manifest));
      stale.push(
        await timed(async () => {
          await restore();
          markerStale.push(await timed(() => recordUse(backend, manifest)));
        }),
      );
    }
    const result = {
      bench: 'last-use',
      sizeMiB,
      rounds,
      restoreMs: Math.round(median(base)),
      withMarkerCheckMs: Math.round(median(current)),
      withMarkerWriteMs: Math.round(median(stale)),
      checkRatio: +(median(current) / median(base)).toFixed(3),
      writeRatio: +(median(stale) / median(base)).toFixed(3),
      markerCheckMs: +median(markerCurrent).toFixed(1),
      markerWriteMs: +median(markerStale).toFixed(1),
    };
    console.log(
      `restore ${result.restoreMs} ms; + marker check ${result.markerCheckMs} ms (${result.checkRatio}x); ` +
        `+ first use of the day ${result.markerWriteMs} ms (${result.writeRatio}x)\n${JSON.stringify(result)}`,
    );
  } finally {
    await backend.close();
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
}, 600_000);
