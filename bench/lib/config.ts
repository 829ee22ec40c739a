import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const MiB = 1024 * 1024;

const dir = process.env.BENCH_DIR ?? path.join(os.tmpdir(), 'bucket-cache-bench');

/** Everything `npm run bench` can be told, from the environment. */
export const config = {
  /** Trees, fixtures and scratch space; reused across runs. */
  dir,
  /** Rounds per measurement; the table shows medians. */
  runs: Number(process.env.BENCH_RUNS ?? 3),
  /** The 2 GiB archive case (save and restore once each through S3 on loopback). */
  big: process.env.BENCH_BIG !== '0',
  /** The link the issues name: 100 MiB/s per direction, 20 ms per request. */
  shaped: {
    bytesPerSecond: Number(process.env.BENCH_SHAPED_MIBPS ?? 100) * MiB,
    latencyMs: Number(process.env.BENCH_SHAPED_LATENCY_MS ?? 20),
  },
  /** Raw transfer baselines: ranges in flight for GET; part size and parts in flight for PUT. */
  rawGetRanges: 8,
  rawPutPartSize: 16 * MiB,
  rawPutConcurrency: 8,
  /** Manifests in the store for the lookup case. */
  lookupEntries: 10_000,
  /** Peer checkouts for `npm run bench:peers`, made by bench/fetch-peers.sh. */
  peersDir: process.env.BENCH_PEERS_DIR ?? path.join(dir, 'peers'),
  /** Where results are written, beside the printed table. */
  resultsDir: fileURLToPath(new URL('../results/', import.meta.url)),
} as const;
