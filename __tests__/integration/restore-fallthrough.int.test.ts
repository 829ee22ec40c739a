import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';

import { TarArchiver } from '../../src/archive/tar-archiver.js';
import { restoreCache } from '../../src/cache/restore-cache.js';
import { saveCache } from '../../src/cache/save-cache.js';
import type { RunContext } from '../../src/context.js';
import { UnsafeArchiveError } from '../../src/errors.js';
import type { Backend } from '../../src/storage/backend.js';
import { FsBackend } from '../../src/storage/fs-backend.js';
import { S3Backend } from '../../src/storage/s3-backend.js';
import { cacheSettings, quiet, scratchDir, transferSettings } from '../helpers/fixtures.js';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.js';
import { s3Storage } from '../helpers/s3-storage.js';

// A bad entry does not end the restore (issue 9, item 2): real tar and zstd, on fs and S3.

let s3: S3TestServer;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3?.stop();
});

const transfer = transferSettings({ concurrency: 4, partSize: 5 * 1024 * 1024 });
const open: Backend[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.close()));
});

const stores: { name: string; backend: () => Backend }[] = [
  {
    name: 'fs',
    backend: () => new FsBackend({ kind: 'fs', root: fsRoot }),
  },
  {
    name: 's3',
    backend: () => new S3Backend(s3Storage(s3), transfer),
  },
];
let fsRoot: string;
beforeAll(() => {
  fsRoot = scratchDir('fallthrough-fs-');
});

let runs = 0;
async function setup(store: (typeof stores)[number]) {
  const backend = store.backend();
  open.push(backend);
  const prefix = `ft${++runs}`;
  const tempDir = scratchDir('fallthrough-tmp-');
  const context = (workspace: string): RunContext => ({
    ci: 'github',
    workspace,
    owner: 'o',
    repo: 'r',
    ref: 'refs/heads/main',
  });
  const warnings: string[] = [];
  const logger = { ...quiet, warning: (m: string) => warnings.push(m) };
  const archiveGets: string[] = [];
  const get = backend.get.bind(backend);
  backend.get = (name, opts) => {
    if (name.includes('/archives/')) archiveGets.push(name);
    return get(name, opts);
  };
  const deps = () => ({ backend, archiver: new TarArchiver({ logger }), logger });
  const save = async (key: string, content: string) => {
    const ws = scratchDir('fallthrough-ws-');
    await mkdir(path.join(ws, 'deps'));
    await writeFile(path.join(ws, 'deps', 'which'), content);
    const r = await saveCache(deps(), {
      cache: cacheSettings({ key, paths: ['deps'], prefix }),
      transfer,
      context: context(ws),
      method: 'zstd',
      tempDir,
      tool: 'test',
    });
    expect(r.status).toBe('saved');
  };
  const restore = (ws: string) =>
    restoreCache(deps(), {
      cache: cacheSettings({ key: 'deps-9', restoreKeys: ['deps-'], paths: ['deps'], prefix }),
      transfer,
      context: context(ws),
      method: 'zstd',
      tempDir,
    });
  const archiveOf = async (key: string): Promise<string> => {
    const manifest = (await backend.list(`${prefix}/`)).find((o) =>
      o.name.endsWith(`/keys/${key}`),
    )!;
    return (JSON.parse((await buffer(await get(manifest.name))).toString()) as { archive: string })
      .archive;
  };
  const rewrite = async (key: string, change: (b: Buffer) => Buffer) => {
    const name = await archiveOf(key);
    const bytes = await buffer(await get(name));
    await backend.put(name, Readable.from([change(Buffer.from(bytes))]));
  };
  return { backend, save, restore, archiveOf, rewrite, warnings, archiveGets };
}

const flip = (b: Buffer): Buffer => {
  b[Math.floor(b.length / 2)]! ^= 0xff;
  return b;
};

describe.each(stores)('$name', (store) => {
  test('the newest match is corrupt: the older one is restored, with one warning', async () => {
    const t = await setup(store);
    await t.save('deps-1', 'one');
    await t.save('deps-2', 'two');
    await t.rewrite('deps-2', flip);
    const ws = scratchDir('fallthrough-ws-');
    const r = await t.restore(ws);
    expect(r).toMatchObject({ matchedKey: 'deps-1', exact: false, restored: true });
    expect(await readFile(path.join(ws, 'deps', 'which'), 'utf8')).toBe('one');
    expect(t.warnings).toEqual([
      expect.stringMatching(/key deps-2 \(refs\/heads\/main\) is unusable/),
    ]);
    expect(new Set(t.archiveGets)).toEqual(
      new Set([await t.archiveOf('deps-2'), await t.archiveOf('deps-1')]),
    );
  });

  test('three bad matches: a miss within three tries, the paths untouched', async () => {
    const t = await setup(store);
    await t.save('deps-1', 'one');
    await t.save('deps-2', 'two');
    await t.save('deps-3', 'three');
    await t.save('deps-4', 'four');
    const good = await t.archiveOf('deps-1');
    await t.rewrite('deps-4', flip);
    await t.rewrite('deps-3', (b) => b.subarray(0, b.length - 7));
    await t.backend.delete(await t.archiveOf('deps-2'));
    const ws = scratchDir('fallthrough-ws-');
    await mkdir(path.join(ws, 'deps'));
    await writeFile(path.join(ws, 'deps', 'which'), 'mine');
    const err = await t.restore(ws).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeArchiveError);
    expect((err as Error).message).toMatch(/key deps-2 .*not found.*3 matching entries tried/);
    expect(t.warnings).toEqual([
      expect.stringMatching(/key deps-4 .*unusable/),
      expect.stringMatching(/key deps-3 .*unusable/),
    ]);
    expect(t.archiveGets).not.toContain(good);
    expect(await readFile(path.join(ws, 'deps', 'which'), 'utf8')).toBe('mine');
  });
});
