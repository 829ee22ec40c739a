import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { emptyS3Bucket, startS3Server } from '../__tests__/helpers/s3-server.js';
import { CliBundle } from './lib/cli.js';
import { config } from './lib/config.js';
import { PeerCases, runPeerCase } from './lib/peer-cases.js';
import { formatPeerMarkdown, formatPeerTable, peerRows } from './lib/peer-table.js';
import { Samples } from './lib/stats.js';
import { loadPeers, ourAction, ourCli, type Tool } from './lib/tools.js';
import { referenceTree } from './lib/tree.js';
import { deleteOld, freshWorkDir } from './lib/workdirs.js';

// npm run bench:peers: bucket-cache (its action bundles and its CLI) beside the peer S3 cache
// actions of issues 7 and 8, each run as the GitHub runner runs a JavaScript action, against
// one s3rver behind the test proxy, on loopback and on the shaped link. Medians of BENCH_RUNS
// rounds; within a round every case runs each tool in turn, first tool rotating, so load on the
// shared machine falls on all alike. Peers come from BENCH_PEERS_DIR (bench/fetch-peers.sh).
// Prints one table and writes bench/results/peers.{json,md}. See bench/README.md.

test(
  'bucket-cache beside the peer S3 cache actions',
  async () => {
    if (!existsSync(CliBundle)) execFileSync('npm', ['run', 'bundle'], { stdio: 'inherit' });
    const log = (line: string): void => void process.stdout.write(`${line}\n`);
    log(
      `bench dir ${config.dir}: moving the last run's work-peers dir aside, making or reusing trees`,
    );
    const work = freshWorkDir(config.dir, 'work-peers');
    const tree = referenceTree(path.join(config.dir, 'trees', 'reference'));
    const server = await startS3Server();
    const { endpoint, bucket, region, accessKeyId, secretAccessKey } = server;
    const s3 = { kind: 's3' as const, endpoint, bucket, region, accessKeyId, secretAccessKey };
    const notes: string[] = [];
    const note = (line: string): void => void (notes.push(line), log(line));
    const tools: Tool[] = [ourAction(s3), ourCli(s3), ...loadPeers(config.peersDir, s3, note)];
    const samples = new Samples(log);
    const broken = new Map<string, string>();
    const links = ['loopback', 'shaped'];
    try {
      checkDiskSpace(work.root, config.runs * links.length * tools.length * tree.bytes);
      for (let run = 1; run <= config.runs; run++) {
        const order = tools.map((_, i) => tools[(i + run - 1) % tools.length]!);
        for (const link of links) {
          log(`round ${run} of ${config.runs}, ${link}: ${order.map((t) => t.id).join(', ')}`);
          server.proxy.shape(link === 'shaped' ? config.shaped : {});
          for (const c of PeerCases) {
            for (const tool of order.filter((t) => !broken.has(t.id))) {
              try {
                await runPeerCase(c, tool, link, run, { work, tree, samples });
              } catch (err) {
                // A tool that fails is not run again; its failure is reported (bucket-cache
                // failing fails the bench, after the table is written).
                broken.set(
                  tool.id,
                  `${tool.name}: not run after round ${run}'s ${c} on ${link} failed: ${String(err)}`,
                );
                note(broken.get(tool.id)!);
              }
            }
          }
          // Every entry of this round and link is restored and checked: free s3rver's disk.
          await emptyS3Bucket(server);
        }
      }
    } finally {
      server.proxy.shape({});
      await server.stop();
      deleteOld(config.dir, 'work-peers');
    }

    // A tool that failed keeps the runs it completed; the notes say which call failed and why.
    const rows = peerRows(samples, tools, links);
    const cores = os.availableParallelism();
    const summary = [
      `reference tree: ${tree.files} files, ${(tree.bytes / 2 ** 20).toFixed(0)} MiB; medians of ` +
        `${config.runs}; ${cores} cores; shaped link ${config.shaped.bytesPerSecond / 2 ** 20} ` +
        `MiB/s per direction + ${config.shaped.latencyMs} ms per request; node ${process.version}`,
      'measured:',
      ...tools.map((t) => `- ${t.name}: ${t.source}`),
      ...notes.map((n) => `- ${n}`),
    ].join('\n');
    log(`\n${formatPeerTable(rows)}\n\n${summary}\n`);

    mkdirSync(config.resultsDir, { recursive: true });
    const sources = Object.fromEntries(tools.map((t) => [t.name, t.source]));
    writeFileSync(
      path.join(config.resultsDir, 'peers.json'),
      JSON.stringify(
        {
          date: new Date(),
          config,
          tree,
          cores,
          sources,
          notes,
          samples: Object.fromEntries(samples.all),
        },
        null,
        2,
      ),
    );
    writeFileSync(
      path.join(config.resultsDir, 'peers.md'),
      `${formatPeerMarkdown(rows)}\n\n${summary}\n`,
    );
    const ours = tools.filter((t) => !t.peer && broken.has(t.id));
    if (ours.length) throw new Error(ours.map((t) => broken.get(t.id)).join('\n'));
  },
  4 * 3600_000, // explicit: jest-circus ignores a per-project testTimeout
);

/**
 * Fails early where the restores (kept, never deleted between runs) would fill the disk: they
 * take about 1.25 times the tree's bytes each on ext4, and bucket-cache's restore refuses to
 * leave less than 5 GiB free.
 */
function checkDiskSpace(dir: string, restoredBytes: number): void {
  const { bavail, bsize } = statfsSync(dir);
  const free = bavail * bsize;
  const need = 1.25 * restoredBytes + 5.5 * 2 ** 30;
  if (free < need) {
    const gib = (b: number): string => `${(b / 2 ** 30).toFixed(1)} GiB`;
    throw new Error(`bench:peers needs ${gib(need)} free in ${dir}, has ${gib(free)}`);
  }
}
