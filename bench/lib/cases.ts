import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

import type { S3TestServer } from '../../__tests__/helpers/s3-server.js';
import { runNode } from './child.js';
import { cliRestore, cliSave, env, type S3Store, type Store } from './cli.js';
import { config } from './config.js';
import { serverCpuMeter } from './cpu.js';
import { LookupRepository, type LookupStore } from './lookup.js';
import { pack, rawGet, rawList, rawPut, unpack } from './raw.js';
import type { Samples } from './stats.js';
import type { Tree } from './tree.js';
import { expectSameTree } from './verify.js';
import type { Work } from './workdirs.js';

/** What every case needs: where to write, what to pack, the stores, and where results go. */
export interface Bench {
  work: Work;
  tree: Tree;
  server: S3TestServer;
  s3: S3Store;
  fs: Store;
  samples: Samples;
  /** Size of the raw pipeline's archive of the reference tree (set by rawPipelines). */
  archiveBytes?: number;
}

/** Raw `tar | zstd` and `zstd -d | tar -x`; returns the archive the raw transfers move. */
export async function rawPipelines(b: Bench, run: number): Promise<string> {
  const archive = path.join(b.work.dir('raw'), `archive-${run}.tar.zst`);
  b.samples.add('pack', await pack(b.tree.ws, b.tree.path, archive));
  b.archiveBytes = statSync(archive).size;
  const target = b.work.target('unpack', run);
  b.samples.add('unpack', await unpack(archive, target));
  expectSameTree(path.join(target, b.tree.path), b.tree, 'raw unpack');
  return archive;
}

/** The archive file an fs save stored last. */
function newestArchive(root: string): string {
  const archives = (readdirSync(root, { recursive: true }) as string[])
    .filter((f) => /[/\\]archives[/\\][^/\\]+\.tar\.zst$/.test(f))
    .map((f) => path.join(root, f));
  const newest = archives.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!newest) throw new Error(`no archive under ${root}`);
  return newest;
}

/** bucket-cache save then restore (hit) through `store`, measured as `save.<name>`, `restore.<name>`. */
export async function saveAndRestore(
  b: Bench,
  store: Store,
  name: string,
  run: number,
  tree: Tree = b.tree,
): Promise<void> {
  const key = `${name}-${run}`;
  const meter = store.kind === 's3' ? serverCpuMeter(b.server.pid) : undefined;
  const saved = await cliSave({ store, workspace: tree.ws, path: tree.path, key });
  b.samples.add(`save.${name}`, { ...saved, serverCpuSeconds: meter?.() });
  if (store.kind === 'fs' && tree === b.tree) {
    // The restore's baseline: the raw unpack of exactly the archive it is about to restore.
    const target = b.work.target(`unpack-stored`, run);
    b.samples.add('unpack.stored', await unpack(newestArchive(store.root), target));
    expectSameTree(path.join(target, tree.path), tree, 'raw unpack of the stored archive');
  }

  const ws = b.work.target(name, run);
  const restored = await cliRestore({ store, workspace: ws, path: tree.path, key });
  b.samples.add(`restore.${name}`, restored);
  if (!restored.outputs['cache-hit'] || !restored.outputs['cache-restored']) {
    throw new Error(`restore of ${key} was not a hit: ${restored.stdout}`);
  }
  expectSameTree(path.join(ws, tree.path), tree, `restore.${name}`);
}

/** Raw multipart PUT, then raw parallel ranged GET, of the raw pipeline's archive. */
export async function rawTransfers(b: Bench, archive: string, link: string): Promise<void> {
  const key = `raw/${link}/${path.basename(archive)}`;
  const meter = serverCpuMeter(b.server.pid);
  const put = await rawPut(b.s3, archive, key, config.rawPutPartSize, config.rawPutConcurrency);
  b.samples.add(`put.${link}`, { ...put, serverCpuSeconds: meter() });
  const size = statSync(archive).size;
  b.samples.add(`get.${link}`, await rawGet(b.s3, key, size, config.rawGetRanges));
}

/** A restore whose key and one restore key match nothing: the cost of every cold job. */
export async function miss(b: Bench, run: number): Promise<void> {
  const ws = b.work.target('miss', run);
  const r = await cliRestore({
    store: b.s3,
    workspace: ws,
    path: b.tree.path,
    key: `miss-${run}`,
    restoreKeys: ['miss-'],
  });
  if (r.outputs['cache-matched-key']) throw new Error(`miss matched: ${r.stdout}`);
  b.samples.add('miss.s3', r);
}

/**
 * A pull request's miss: two restore keys, three scopes (the PR's ref, its base, the default
 * branch), measured as `miss.pr.<link>`. On the shaped link it must not pay 12 sequential round
 * trips (issue 8): the table compares it with the same miss on loopback.
 */
export async function pullRequestMiss(b: Bench, run: number, link: string): Promise<void> {
  b.server.proxy.reset();
  const r = await cliRestore({
    store: b.s3,
    workspace: b.work.target(`miss-pr-${link}`, run),
    path: b.tree.path,
    key: `pr-miss-${run}`,
    restoreKeys: ['pr-miss-a-', 'pr-miss-b-'],
    ref: 'refs/pull/1/merge',
    extra: ['--base-ref', 'feature', '--default-branch', 'main'],
  });
  if (r.outputs['cache-matched-key']) throw new Error(`PR miss matched: ${r.stdout}`);
  b.samples.add(`miss.pr.${link}`, r);
  const requests = b.server.proxy.requests.map((q) => q.method).join(' ');
  process.stdout.write(`    ${b.server.proxy.requests.length} requests: ${requests}\n`);
}

/** Node's own start: the floor of any CLI run. */
export async function nodeStart(b: Bench): Promise<void> {
  b.samples.add('start', await runNode(['-e', '0'], env()));
}

/** `restore --lookup-only` with a restore key that matches every one of the store's entries. */
export async function lookup(b: Bench, l: LookupStore, name: string, run: number): Promise<void> {
  const r = await cliRestore({
    store: l.store,
    workspace: b.work.target(`lookup-${name}`, run),
    path: 'deps',
    key: 'lookup-none',
    restoreKeys: ['lookup-'],
    repository: LookupRepository,
    extra: ['--lookup-only'],
  });
  if (!r.outputs['cache-matched-key'].startsWith('lookup-')) {
    throw new Error(`lookup among ${l.count} found nothing: ${r.stdout}`);
  }
  b.samples.add(`lookup.${name}`, r);
  if (l.store.kind === 's3')
    b.samples.add('list.s3', await rawList(l.store, l.keysPrefix, l.count));
}
