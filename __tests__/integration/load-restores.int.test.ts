import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { TarArchiver } from '../../src/archive/tar-archiver.js';
import { restoreCache, type RestoreResult } from '../../src/cache/restore-cache.js';
import { saveCache } from '../../src/cache/save-cache.js';
import type { RunContext } from '../../src/context.js';
import type { TransferSettings } from '../../src/settings.js';
import { AzureBackend } from '../../src/storage/azure-backend.js';
import type { Backend } from '../../src/storage/backend.js';
import { FsBackend } from '../../src/storage/fs-backend.js';
import { S3Backend } from '../../src/storage/s3-backend.js';
import { type Azurite, startAzurite } from '../helpers/azurite.js';
import { cacheSettings, quiet, scratchDir, transferSettings } from '../helpers/fixtures.js';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.js';
import { s3Storage } from '../helpers/s3-storage.js';

// Issue 9, item 9: 50 restores of a key while it is being saved, on every backend. Each one is
// a clean miss (nothing written) or a full hit whose every file matches what was saved: a reader
// never sees a half-committed entry.

let s3: S3TestServer;
let azurite: Azurite;
beforeAll(async () => {
  [s3, azurite] = await Promise.all([startS3Server(), startAzurite()]);
});
afterAll(async () => {
  await Promise.all([s3?.stop(), azurite?.stop()]);
});

const TRANSFER: TransferSettings = transferSettings({ concurrency: 4, partSize: 5 * 1024 * 1024 });
const stores: { name: string; backend: () => Backend }[] = [
  { name: 'fs', backend: () => new FsBackend({ kind: 'fs', root: fsRoot }) },
  {
    name: 's3',
    backend: () => new S3Backend(s3Storage(s3), TRANSFER),
  },
  {
    name: 'azure',
    backend: () =>
      new AzureBackend(
        {
          kind: 'azure',
          container: azurite.container,
          accountName: azurite.accountName,
          accountKey: azurite.accountKey,
          endpoint: azurite.endpoint,
        },
        TRANSFER,
      ),
  },
];
let fsRoot: string;
beforeAll(() => {
  fsRoot = scratchDir('load-restores-fs-');
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe.each(stores)('$name', (store) => {
  test('50 restores during a save of the key: each a clean miss or a full verified hit', async () => {
    // 6 MiB in 48 files that zstd cannot shrink; level 19 makes packing it take a while.
    const source = scratchDir('load-restores-src-');
    const expected = new Map<string, string>();
    for (let i = 0; i < 48; i++) {
      const rel = path.join('deps', `d${i % 4}`, `f${i}.bin`);
      const data = randomBytes(128 * 1024);
      await mkdir(path.dirname(path.join(source, rel)), { recursive: true });
      await writeFile(path.join(source, rel), data);
      expected.set(rel, sha(data));
    }
    const context = (workspace: string): RunContext => ({
      ci: 'github',
      workspace,
      owner: 'o',
      repo: 'r',
      ref: 'refs/heads/main',
    });
    const key = `load-${store.name}-${randomBytes(3).toString('hex')}`;
    const cache = cacheSettings({ key, paths: ['deps'], prefix: 'lr', compressionLevel: 19 });
    const open: Backend[] = [];
    const deps = () => {
      const backend = store.backend();
      open.push(backend);
      return { backend, archiver: new TarArchiver({ logger: quiet }), logger: quiet };
    };
    const tempDir = scratchDir('load-restores-tmp-');

    let committedAt = Infinity;
    const started = Date.now();
    const saving = saveCache(deps(), {
      cache,
      transfer: TRANSFER,
      context: context(source),
      method: 'zstd',
      tempDir,
      tool: 'test',
    }).then((r) => {
      committedAt = Date.now();
      return r;
    });
    // One every 40 ms while the save packs, uploads and commits (at most 40 of them), then
    // the rest at once: restores are in flight before, across and after the commit.
    const restores: Promise<{ ws: string; r: RestoreResult; startedAt: number }>[] = [];
    const restore = (): void => {
      const ws = scratchDir('load-restores-ws-');
      const startedAt = Date.now();
      restores.push(
        restoreCache(deps(), {
          cache,
          transfer: TRANSFER,
          context: context(ws),
          method: 'zstd',
          tempDir: scratchDir('load-restores-rtmp-'),
        }).then((r) => ({ ws, r, startedAt })),
      );
    };
    while (committedAt === Infinity && restores.length < 40) {
      restore();
      await new Promise((r) => setTimeout(r, 40));
    }
    await saving;
    while (restores.length < 50) restore();
    const [saved, outcomes] = await Promise.all([saving, Promise.all(restores)]);
    await Promise.all(open.map((b) => b.close()));
    expect(saved.status).toBe('saved');

    let hits = 0;
    for (const { ws, r, startedAt } of outcomes) {
      if (r.restored) {
        hits++;
        expect(r).toMatchObject({ exact: true, matchedKey: key });
        const got = new Map<string, string>();
        for (const rel of expected.keys()) got.set(rel, sha(await readFile(path.join(ws, rel))));
        expect(got).toEqual(expected);
        // Nothing but the declared path: no staging directory left beside it.
        expect(await readdir(ws)).toEqual(['deps']);
      } else {
        expect(r.matchedKey).toBeUndefined();
        expect(await readdir(ws)).toEqual([]);
        // A miss can only come from a restore that looked before the commit.
        expect(startedAt).toBeLessThan(committedAt);
      }
    }
    // The first started while tar and zstd were still packing; the last after the commit.
    expect(outcomes[0]!.r.restored).toBe(false);
    expect(hits).toBeGreaterThanOrEqual(10);
    expect(Date.now() - started).toBeLessThan(45_000);
  });
});
