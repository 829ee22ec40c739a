import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  link,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  rmdir,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';

import {
  AlreadyExistsError,
  NotFoundError,
  StorageError,
  ValidationError,
} from '../../src/errors.js';
import { FsBackend, type FsBackendOptions } from '../../src/storage/fs-backend.js';
import { describeBackendContract } from '../helpers/backend-contract.js';

const TEMP_DIR = '.bucket-cache-tmp';

const scratch: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bucket-cache-fs-'));
  scratch.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(scratch.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A backend on a root that does not exist yet, inside a sandbox nothing else writes to. */
async function fresh(options?: FsBackendOptions) {
  const sandbox = await freshDir();
  const root = join(sandbox, 'root');
  return { sandbox, root, backend: new FsBackend({ kind: 'fs', root }, options) };
}

const body = (text: string) => Readable.from([Buffer.from(text)]);
const text = async (b: FsBackend, name: string) => (await buffer(await b.get(name))).toString();
const tempEntries = async (root: string) => readdir(join(root, TEMP_DIR)).catch(() => []);
/** The lock directory of the no-hard-link scheme: part of the on-disk format shared by hosts. */
const lockPath = (root: string, name: string) =>
  join(root, TEMP_DIR, `${createHash('sha256').update(name).digest('hex')}.lock`);

/** The root of the backend each contract test made last: abandoned temp files go there. */
const roots = new WeakMap<object, string>();
async function contractBackend(options?: FsBackendOptions): Promise<FsBackend> {
  const { root, backend } = await fresh(options);
  roots.set(backend, root);
  return backend;
}
/** A temp file as a put killed before its rename leaves it. */
const abandonTemp = async (backend: object): Promise<void> => {
  const dir = join(roots.get(backend)!, TEMP_DIR);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${randomBytes(8).toString('hex')}-4242-host.tmp`), 'partial');
};
const contract = { paging: true, abandonUpload: abandonTemp, uploadNames: false };
describeBackendContract('fs', () => contractBackend(), contract);
describeBackendContract(
  'fs without hard links (lock fallback)',
  () => contractBackend({ hardLinks: false }),
  contract,
);

describe('FsBackend names', () => {
  test('names that could leave root or reach the temp dir are refused; nothing is written', async () => {
    const { sandbox, backend } = await fresh();
    const bad = [
      '',
      join(sandbox, 'abs'),
      '../escape',
      'a/../../escape',
      'a/..',
      './a',
      'a/./b',
      'a//b',
      'a/',
      'a\\..\\..\\escape',
      'a\0b',
      TEMP_DIR,
      `${TEMP_DIR}/x`,
      '.Bucket-Cache-TMP/x', // case-insensitive filesystems
      `${TEMP_DIR}./x`, // Windows drops trailing dots
      '.buc\u212Aet-cache-tmp/x', // KELVIN SIGN folds to 'k'
    ];
    for (const name of bad) {
      await expect(backend.put(name, body('x'))).rejects.toThrow(/invalid object name/);
      await expect(backend.put(name, body('x'), { ifAbsent: true })).rejects.toThrow(
        /invalid object name/,
      );
      await expect(backend.stat(name)).rejects.toThrow(/invalid object name/);
      await expect(backend.get(name)).rejects.toThrow(/invalid object name/);
      await expect(backend.delete(name)).rejects.toThrow(/invalid object name/);
    }
    for (const prefix of ['/abs/x', '../x', 'a/../../x', 'a//b/x', `${TEMP_DIR}/`]) {
      await expect(backend.list(prefix)).rejects.toThrow(/invalid object name/);
    }
    expect(await readdir(sandbox)).toEqual([]);
  });

  test('odd but harmless names work, and the temp dir is reserved only at the top', async () => {
    const { root, backend } = await fresh();
    const names = ['a..b/...', '.hidden/x', `x/${TEMP_DIR}`, 'con/nul', 'a/b:c', 'trail./ing '];
    for (const n of names) await backend.put(n, body(n));
    for (const n of names) expect(await text(backend, n)).toBe(n);
    expect((await backend.list('')).map((o) => o.name).sort()).toEqual([...names].sort());
    expect((await backend.list('.')).map((o) => o.name)).toEqual(['.hidden/x']);
    expect(await tempEntries(root)).toEqual([]);
  });

  test('with Windows rules, device names, streams and trailing dots or spaces are refused', async () => {
    const { sandbox, backend } = await fresh({ windowsNames: true });
    const bad = ['CON', 'a/nul', 'a/NUL.txt', 'a/com1.log', 'a/b:stream', 'a/x.', 'a/x ', 'a/q?'];
    for (const name of bad) {
      await expect(backend.put(name, body('x'))).rejects.toThrow(/invalid object name/);
      await expect(backend.stat(name)).rejects.toThrow(/invalid object name/);
    }
    expect(await readdir(sandbox)).toEqual([]);
    await backend.put('a/con-fig/na%20me é', body('ok'));
    expect(await text(backend, 'a/con-fig/na%20me é')).toBe('ok');
  });

  test('a segment longer than the filesystem allows is a StorageError with a hint', async () => {
    const { root, backend } = await fresh();
    const name = `a/${'x'.repeat(300)}`;
    const err: unknown = await backend.put(name, body('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).hint).toMatch(/255 bytes/);
    await expect(backend.stat(name)).rejects.toBeInstanceOf(StorageError);
    expect(await tempEntries(root)).toEqual([]);
  });
});

describe('FsBackend behaviour', () => {
  test('description and root validation', async () => {
    const { root, backend } = await fresh();
    expect(backend.description).toBe(`file://${root}`);
    expect(() => new FsBackend({ kind: 'fs', root: '' })).toThrow(ValidationError);
  });

  test('a missing root reads as empty and is created by the first put', async () => {
    const { root, backend } = await fresh();
    expect(await backend.list('')).toEqual([]);
    expect(await backend.stat('a/b')).toBeUndefined();
    await expect(backend.get('a/b')).rejects.toBeInstanceOf(NotFoundError);
    await backend.delete('a/b');
    expect(existsSync(root)).toBe(false);
    await backend.put('a/b', body('made'));
    expect(await text(backend, 'a/b')).toBe('made');
  });

  test('a root that cannot be a directory is a StorageError naming fs-root', async () => {
    const sandbox = await freshDir();
    await writeFile(join(sandbox, 'file'), 'not a directory');
    const backend = new FsBackend({ kind: 'fs', root: join(sandbox, 'file', 'root') });
    const err: unknown = await backend.put('a', body('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).hint).toMatch(/fs-root/);
  });

  test('lastModified is the file mtime', async () => {
    const { root, backend } = await fresh();
    await backend.put('m/one', body('1'));
    const when = new Date('2020-01-02T03:04:05.678Z');
    await utimes(join(root, 'm', 'one'), when, when);
    expect((await backend.stat('m/one'))?.lastModified).toEqual(when);
    expect(await backend.list('m/')).toEqual([
      { name: 'm/one', size: 1, lastModified: when, etag: expect.any(String) },
    ]);
  });

  test('a put whose body fails leaves no temp file and rejects with the body error', async () => {
    const { root, backend } = await fresh();
    const src = new PassThrough();
    const put = backend.put('x/y', src);
    src.write(randomBytes(1024 * 1024));
    setTimeout(() => src.destroy(new Error('producer died')), 20);
    await expect(put).rejects.toThrow('producer died');
    expect(await tempEntries(root)).toEqual([]);
    expect(await readdir(root)).toEqual([TEMP_DIR]);
  });

  test('a body that fails before the put starts reading rejects the put, not the process', async () => {
    const { root, backend } = await fresh();
    const src = new PassThrough();
    const put = backend.put('x/y', src);
    src.destroy(new Error('failed early'));
    await expect(put).rejects.toThrow('failed early');
    expect(await tempEntries(root)).toEqual([]);
    expect(await backend.stat('x/y')).toBeUndefined();
  });

  test('an aborted put rejects with the abort reason and leaves no temp file', async () => {
    const { root, backend } = await fresh();
    const src = new PassThrough();
    const ac = new AbortController();
    const put = backend.put('x/y', src, { signal: ac.signal, ifAbsent: true });
    src.write(randomBytes(1024 * 1024));
    const reason = new Error('deadline');
    setTimeout(() => ac.abort(reason), 20);
    await expect(put).rejects.toBe(reason);
    expect(src.destroyed).toBe(true);
    expect(await tempEntries(root)).toEqual([]);
    expect(await readdir(root)).toEqual([TEMP_DIR]);
  });

  test('get honours its abort signal', async () => {
    const { backend } = await fresh();
    await backend.put('big', Readable.from([randomBytes(8 * 1024 * 1024)]));
    const ac = new AbortController();
    const stream = await backend.get('big', { signal: ac.signal });
    ac.abort();
    await expect(buffer(stream)).rejects.toThrow(/abort/i);
  });

  test('delete prunes emptied directories up to, not including, root', async () => {
    const { root, backend } = await fresh();
    await backend.put('a/b/c/x', body('x'));
    await backend.put('a/y', body('y'));
    await backend.delete('a/b/c/x');
    expect(existsSync(join(root, 'a', 'b'))).toBe(false);
    expect(existsSync(join(root, 'a', 'y'))).toBe(true);
    await backend.delete('a'); // a directory is not an object: nothing happens
    await backend.delete('a/y');
    expect(existsSync(join(root, 'a'))).toBe(false);
    await backend.put('top', body('t'));
    await rm(join(root, TEMP_DIR), { recursive: true });
    await backend.delete('top');
    expect(await readdir(root)).toEqual([]);
  });

  test('puts racing deletes that prune their directory all land', async () => {
    // Four writers each put, check and delete their own names in one directory, so every delete
    // may prune the directory another writer is about to commit into.
    const { root, backend } = await fresh();
    let failed = false;
    const results = await Promise.allSettled(
      [0, 1, 2, 3].map(async (w) => {
        for (let i = 0; i < 150 && !failed; i++) {
          const name = `r/s/t/w${w}-${i}`;
          try {
            await backend.put(name, body('x'));
            expect(await backend.stat(name)).toBeDefined();
            await backend.delete(name);
          } catch (err) {
            failed = true; // stop the others so cleanup does not race them
            throw err;
          }
        }
      }),
    );
    for (const r of results) if (r.status === 'rejected') throw r.reason;
    expect(await readdir(root)).toEqual([TEMP_DIR]);
  });

  test('a name cannot be both an object and a directory; directories are not objects', async () => {
    const { root, backend } = await fresh();
    await backend.put('c/d', body('file'));
    await expect(backend.put('c/d/e', body('x'))).rejects.toBeInstanceOf(StorageError);
    await backend.put('f/g/h', body('deep'));
    for (const ifAbsent of [false, true]) {
      const err: unknown = await backend
        .put('f/g', body('x'), { ifAbsent })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as StorageError).hint).toMatch(/directory/);
    }
    expect(await backend.stat('f/g')).toBeUndefined();
    await expect(backend.get('f/g')).rejects.toBeInstanceOf(NotFoundError);
    expect((await backend.list('f')).map((o) => o.name)).toEqual(['f/g/h']);
    expect(await text(backend, 'c/d')).toBe('file');
    expect(await tempEntries(root)).toEqual([]);
  });

  test('symlinks inside root are not objects and are not followed by list', async () => {
    const { sandbox, root, backend } = await fresh();
    await backend.put('real', body('r'));
    await writeFile(join(sandbox, 'secret'), 'outside');
    await mkdir(join(sandbox, 'outside-dir'));
    await writeFile(join(sandbox, 'outside-dir', 'f'), 'outside');
    await symlink(join(sandbox, 'secret'), join(root, 'link'));
    await symlink(join(sandbox, 'outside-dir'), join(root, 'dirlink'));
    expect((await backend.list('')).map((o) => o.name)).toEqual(['real']);
    expect(await backend.stat('link')).toBeUndefined();
    await expect(backend.get('link')).rejects.toBeInstanceOf(NotFoundError);
  });

  test('temp files and locks orphaned for over a day are swept; fresh ones are kept', async () => {
    const { root, backend } = await fresh();
    const tmp = join(root, TEMP_DIR);
    await mkdir(join(tmp, 'old.lock'), { recursive: true });
    await writeFile(join(tmp, 'old.tmp'), 'orphan');
    await writeFile(join(tmp, 'fresh.tmp'), 'in flight');
    const old = new Date(Date.now() - 2 * 24 * 3600_000);
    await utimes(join(tmp, 'old.tmp'), old, old);
    await utimes(join(tmp, 'old.lock'), old, old);
    await backend.put('x', body('x'));
    expect(await tempEntries(root)).toEqual(['fresh.tmp']);
  });
});

describe('FsBackend create-only commits', () => {
  const fail = (code: string) => () =>
    Promise.reject(Object.assign(new Error(`${code}: injected, link`), { code }));

  test('a filesystem without hard links (EPERM from link) switches to the lock fallback', async () => {
    let calls = 0;
    const { root, backend } = await fresh({
      link: () => {
        calls++;
        return fail('EPERM')();
      },
    });
    await backend.put('k/one', body('first'), { ifAbsent: true });
    await expect(backend.put('k/one', body('second'), { ifAbsent: true })).rejects.toBeInstanceOf(
      AlreadyExistsError,
    );
    await backend.put('k/two', body('other'), { ifAbsent: true });
    expect(calls).toBe(1); // remembered after the first failure
    expect(await text(backend, 'k/one')).toBe('first');
    expect(await text(backend, 'k/two')).toBe('other');
    expect(await tempEntries(root)).toEqual([]);
  });

  test('any other link failure is a StorageError and leaves nothing visible', async () => {
    const { root, backend } = await fresh({ link: fail('EIO') });
    await expect(backend.put('k/one', body('x'), { ifAbsent: true })).rejects.toBeInstanceOf(
      StorageError,
    );
    expect(await backend.stat('k/one')).toBeUndefined();
    expect(await tempEntries(root)).toEqual([]);
  });

  test('a link reported as EEXIST that did succeed (NFS retransmission) counts as a win', async () => {
    const { root, backend } = await fresh({
      link: async (a, b) => {
        await link(a, b);
        throw Object.assign(new Error('EEXIST: injected, link'), { code: 'EEXIST' });
      },
    });
    await backend.put('k/one', body('mine'), { ifAbsent: true });
    expect(await text(backend, 'k/one')).toBe('mine');
    expect(await tempEntries(root)).toEqual([]);
  });

  test('without hard links, a held lock holds back create-only commits until released', async () => {
    const { root, backend } = await fresh({ hardLinks: false });
    await mkdir(lockPath(root, 'k/held'), { recursive: true });
    let settled = false;
    const put = backend.put('k/held', body('x'), { ifAbsent: true }).finally(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 400));
    expect(settled).toBe(false);
    expect(await backend.stat('k/held')).toBeUndefined();
    await rmdir(lockPath(root, 'k/held'));
    await put;
    expect(await text(backend, 'k/held')).toBe('x');
    expect(await tempEntries(root)).toEqual([]);
  });

  test('without hard links, a lock left by a killed writer is broken', async () => {
    const { root, backend } = await fresh({ hardLinks: false });
    await mkdir(lockPath(root, 'k/stale'), { recursive: true });
    const old = new Date(Date.now() - 10 * 60_000);
    await utimes(lockPath(root, 'k/stale'), old, old);
    await backend.put('k/stale', body('x'), { ifAbsent: true });
    expect(await text(backend, 'k/stale')).toBe('x');
    expect(await tempEntries(root)).toEqual([]);
  });
});

/**
 * Writers in separate processes, as on runners sharing a mount. The children run the real
 * FsBackend, transpiled from src, and commit the name read from each stdin line.
 */
describe('FsBackend create-only writers in separate processes', () => {
  const WRITER = `
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { FsBackend } from './storage/fs-backend.js';
const [root, id, mode] = process.argv.slice(2);
const backend = new FsBackend({ kind: 'fs', root }, { hardLinks: mode === 'link' });
process.stdout.write('ready\\n');
for await (const name of createInterface({ input: process.stdin })) {
  try {
    await backend.put(name, Readable.from([Buffer.from(id)]), { ifAbsent: true });
    process.stdout.write(name + ' won\\n');
  } catch (err) {
    process.stdout.write(name + ' ' + err.name + ': ' + err.message + '\\n');
  }
}
`;
  let lib: string;

  beforeAll(async () => {
    lib = await mkdtemp(join(tmpdir(), 'bucket-cache-fs-lib-'));
    const src = fileURLToPath(new URL('../../src/', import.meta.url));
    for (const file of ['errors.ts', 'util/map-limit.ts', 'storage/fs-backend.ts']) {
      const out = ts.transpileModule(await readFile(join(src, file), 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      const dest = join(lib, file.replace(/\.ts$/, '.js'));
      await mkdir(dirname(dest), { recursive: true });
      await writeFile(dest, out);
    }
    await writeFile(join(lib, 'package.json'), '{"type":"module"}');
    await writeFile(join(lib, 'writer.js'), WRITER);
  });
  afterAll(async () => {
    await rm(lib, { recursive: true, force: true });
  });

  test.each(['link', 'lock'])(
    '%s: 8 processes race on each of 15 names, exactly one wins each, no temp files left',
    async (mode) => {
      const { root } = await fresh();
      const children: ChildProcessWithoutNullStreams[] = [];
      try {
        for (let i = 0; i < 8; i++) {
          children.push(spawn(process.execPath, [join(lib, 'writer.js'), root, `w${i}`, mode]));
        }
        const next = children.map(lineReader);
        expect(await Promise.all(next.map((n) => n()))).toEqual(Array(8).fill('ready'));
        for (let round = 0; round < 15; round++) {
          const name = `race/r${round}`;
          for (const c of children) c.stdin.write(`${name}\n`);
          const results = await Promise.all(next.map((n) => n()));
          const winners = results.flatMap((r, i) => (r === `${name} won` ? [`w${i}`] : []));
          expect(winners).toHaveLength(1);
          const losers = results.filter((r) => r.startsWith(`${name} AlreadyExistsError:`));
          expect(losers).toHaveLength(7);
          expect(await readFile(join(root, 'race', `r${round}`), 'utf8')).toBe(winners[0]);
        }
        for (const c of children) c.stdin.end();
        await Promise.all(children.map(exited));
        expect(await tempEntries(root)).toEqual([]);
        expect((await backend(root).list('race/')).length).toBe(15);
      } finally {
        for (const c of children) if (c.exitCode === null) c.kill();
      }
    },
  );

  const backend = (root: string) => new FsBackend({ kind: 'fs', root });

  function lineReader(child: ChildProcessWithoutNullStreams): () => Promise<string> {
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    return async () => {
      const r = await lines.next();
      if (r.done) throw new Error(`writer exited early: ${stderr}`);
      return r.value;
    };
  }

  function exited(child: ChildProcessWithoutNullStreams): Promise<void> {
    return new Promise((resolve, reject) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
    });
  }
});
