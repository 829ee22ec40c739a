import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';

import { type S3TestServer, startS3Server } from '../../__tests__/helpers/s3-server.js';
import type { Backend } from '../../src/storage/backend.js';
import { createBackend } from '../../src/storage/create-backend.js';
import { cliSave, type Store } from './cli.js';

/** A store holding `count` entries whose keys start with `lookup-`, kept across bench runs. */
export interface LookupStore {
  store: Store;
  /** The object-name prefix of the entries' manifests (for the raw listing). */
  keysPrefix: string;
  count: number;
  stop(): Promise<void>;
}

export const LookupRepository = 'bench/lookup';
const Version = 'lookup-v1';

/**
 * Opens (making it once) a store of `count` tiny entries: one real save through the CLI, then
 * copies of its manifest under other keys, written straight through the backend. All point at
 * the seed's archive, which is all a lookup needs.
 */
export async function openLookupStore(
  kind: 'fs' | 's3',
  root: string,
  count: number,
): Promise<LookupStore> {
  const stampFile = path.join(root, 'stamp.json');
  const stamp = existsSync(stampFile)
    ? (JSON.parse(readFileSync(stampFile, 'utf8')) as { version: string; keysPrefix: string })
    : undefined;
  const fresh = stamp?.version !== `${Version}-${count}`;
  if (fresh) rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });

  let server: S3TestServer | undefined;
  let store: Store;
  if (kind === 'fs') {
    store = { kind: 'fs', root: path.join(root, 'store') };
  } else {
    server = await startS3Server({ dir: path.join(root, 's3rver'), bucket: 'bench-lookup' });
    const { endpoint, bucket, region, accessKeyId, secretAccessKey } = server;
    store = { kind: 's3', endpoint, bucket, region, accessKeyId, secretAccessKey };
  }
  const stop = async (): Promise<void> => void (await server?.stop());
  try {
    let keysPrefix = stamp?.keysPrefix ?? '';
    if (fresh) {
      keysPrefix = await seed(store, server, root, count);
      writeFileSync(stampFile, JSON.stringify({ version: `${Version}-${count}`, keysPrefix }));
    }
    return { store, keysPrefix, count, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function seed(
  store: Store,
  server: S3TestServer | undefined,
  root: string,
  count: number,
): Promise<string> {
  const ws = path.join(root, 'seed-ws');
  mkdirSync(path.join(ws, 'deps'), { recursive: true });
  writeFileSync(path.join(ws, 'deps', 'a.txt'), 'lookup seed\n');
  await cliSave({
    store,
    workspace: ws,
    path: 'deps',
    key: 'seed',
    repository: LookupRepository,
  });
  const backend = await open(store, server);
  try {
    const seedName = (await backend.list(`${LookupRepository}/`)).find((o) =>
      o.name.endsWith('/keys/seed'),
    )?.name;
    if (!seedName) throw new Error('the seed entry was saved but its manifest is not listed');
    const manifest = JSON.parse((await buffer(await backend.get(seedName))).toString()) as object;
    const keysPrefix = seedName.slice(0, -'seed'.length) + 'lookup-';
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < count; i = next++) {
        const key = `lookup-${String(i).padStart(5, '0')}`;
        const body = Buffer.from(JSON.stringify({ ...manifest, key }));
        await backend.put(keysPrefix.slice(0, -'lookup-'.length) + key, Readable.from([body]), {
          size: body.length,
        });
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    return keysPrefix;
  } finally {
    await backend.close();
  }
}

/** The product's own backend, straight to s3rver (no proxy: seeding is not measured). */
function open(store: Store, server: S3TestServer | undefined): Promise<Backend> {
  const transfer = { concurrency: 8, partSize: 16 << 20, stallTimeoutMs: 60_000, timeoutMs: 0 };
  if (store.kind === 'fs') return createBackend(store, transfer);
  return createBackend(
    {
      kind: 's3',
      bucket: store.bucket,
      region: store.region,
      endpoint: server!.upstreamEndpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: store.accessKeyId, secretAccessKey: store.secretAccessKey },
      checksum: 'when-required',
    },
    transfer,
  );
}
