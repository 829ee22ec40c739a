import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startS3Server } from '../__tests__/helpers/s3-server.js';
import {
  type Bench,
  lookup,
  miss,
  nodeStart,
  pullRequestMiss,
  rawPipelines,
  rawTransfers,
  saveAndRestore,
} from './lib/cases.js';
import { CliBundle } from './lib/cli.js';
import { config } from './lib/config.js';
import { formatMarkdown, formatRaw, formatTable } from './lib/format.js';
import { openLookupStore } from './lib/lookup.js';
import { pack, unpack } from './lib/raw.js';
import { Samples } from './lib/stats.js';
import { rows } from './lib/targets.js';
import { bigTree, referenceTree } from './lib/tree.js';
import { expectSameTree } from './lib/verify.js';
import { deleteOld, freshWorkDir } from './lib/workdirs.js';

// npm run bench: the built CLI (dist/cli/index.js, run as a child process like a CI step runs
// it) against the raw pipelines and transfers it is held to, all measured in this one run as
// medians of BENCH_RUNS rounds; the two interleave round by round, so a busy machine slows both.
// Prints one table and writes bench/results/latest.{json,md}. See bench/README.md.

test(
  'bucket-cache CLI against the raw limits of this machine',
  async () => {
    if (!existsSync(CliBundle)) execFileSync('npm', ['run', 'bundle'], { stdio: 'inherit' });
    const log = (line: string): void => void process.stdout.write(`${line}\n`);
    const cores = os.availableParallelism();

    log(`bench dir ${config.dir}: moving the last run's work dir aside, making or reusing trees`);
    const work = freshWorkDir(config.dir);
    const tree = referenceTree(path.join(config.dir, 'trees', 'reference'));
    const big = config.big ? bigTree(path.join(config.dir, 'trees', 'big')) : undefined;
    const server = await startS3Server();
    const { endpoint, bucket, region, accessKeyId, secretAccessKey } = server;
    const b: Bench = {
      work,
      tree,
      server,
      s3: { kind: 's3', endpoint, bucket, region, accessKeyId, secretAccessKey },
      fs: { kind: 'fs', root: work.dir('fs-store') },
      samples: new Samples(log),
    };
    const fixtures = path.join(config.dir, 'fixtures');
    const lookups = [
      await openLookupStore('s3', path.join(fixtures, 'lookup-s3'), config.lookupEntries),
      await openLookupStore('fs', path.join(fixtures, 'lookup-fs'), config.lookupEntries),
    ];
    try {
      for (let run = 1; run <= config.runs; run++) {
        log(`round ${run} of ${config.runs}`);
        const archive = await rawPipelines(b, run);
        await rawTransfers(b, archive, 'loopback');
        await saveAndRestore(b, b.fs, 'fs', run);
        await saveAndRestore(b, b.s3, 's3', run);
        server.proxy.shape(config.shaped);
        try {
          await rawTransfers(b, archive, 'shaped');
          await saveAndRestore(b, b.s3, 'shaped', run);
          await pullRequestMiss(b, run, 'shaped');
        } finally {
          server.proxy.shape({});
        }
        await miss(b, run);
        await pullRequestMiss(b, run, 'loopback');
        await nodeStart(b);
        await lookup(b, lookups[0]!, 's3', run);
        await lookup(b, lookups[1]!, 'fs', run);
      }
      if (big) {
        log('2 GiB archive: one round');
        const archive = path.join(work.dir('raw'), 'big.tar.zst');
        b.samples.add('big.pack', await pack(big.ws, big.path, archive));
        const target = work.target('big-unpack', 1);
        b.samples.add('big.unpack', await unpack(archive, target));
        expectSameTree(path.join(target, big.path), big, 'raw unpack of the 2 GiB tree');
        await saveAndRestore(b, b.s3, 'big', 1, big);
      }
    } finally {
      await Promise.all([server.stop(), ...lookups.map((l) => l.stop())]);
      log("deleting earlier runs' work dirs");
      deleteOld(config.dir);
    }

    const table = rows(b.samples, cores, config.shaped.latencyMs / 1000);
    const archive = b.archiveBytes ?? 0;
    const summary =
      `reference tree: ${tree.files} files, ${mib(tree.bytes)} MiB, ${mib(archive)} MiB as ` +
      `tar.zst (${((100 * archive) / tree.bytes).toFixed(0)} %); medians of ${config.runs}; ` +
      `${cores} cores; shaped link ${mib(config.shaped.bytesPerSecond)} MiB/s per direction ` +
      `+ ${config.shaped.latencyMs} ms per request`;
    const raw = formatRaw(b.samples, archive, tree.bytes);
    log(`\n${formatTable(table)}\n\n${summary}\n${raw}\n`);

    mkdirSync(config.resultsDir, { recursive: true });
    const samples = Object.fromEntries(b.samples.all);
    const json = { date: new Date(), config, tree, archiveBytes: archive, cores, rows: table };
    writeFileSync(
      path.join(config.resultsDir, 'latest.json'),
      JSON.stringify({ ...json, samples }, null, 2),
    );
    writeFileSync(
      path.join(config.resultsDir, 'latest.md'),
      `${formatMarkdown(table)}\n\n${summary}\n\n${raw}\n`,
    );
  },
  4 * 3600_000, // explicit: jest-circus ignores a per-project testTimeout
);

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
