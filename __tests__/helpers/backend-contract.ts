import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';

import { AlreadyExistsError, NotFoundError } from '../../src/errors.js';
import type { Backend } from '../../src/storage/backend.js';

export interface ContractOptions {
  /** Size of the "large" body: must exceed the backend's part size so multipart paths run. */
  largeSize?: number;
  /** Whether the store enforces create-if-absent (s3rver does not without our proxy). */
  conditionalCreate?: boolean;
  /** Run the >1000-object paging case (slow on emulators: integration only). */
  paging?: boolean;
  /**
   * Leave a write of `name` begun and never committed, as a killed save does (an S3 multipart
   * upload with a part, Azure uncommitted blocks, an fs temp file), through the store's own API.
   * `backend` is the one the test made.
   */
  abandonUpload?: (backend: Backend, name: string) => Promise<void>;
  /** Whether incomplete uploads report the name they were for (fs temp files do not). */
  uploadNames?: boolean;
}

/**
 * One behavioural suite for every Backend: memory fake, filesystem, S3 (s3rver), Azure
 * (Azurite). `make` is called once per test with a fresh namespace prefix so tests are isolated
 * even when they share one server.
 */
export function describeBackendContract(
  label: string,
  make: () => Promise<Backend> | Backend,
  options: ContractOptions = {},
): void {
  const largeSize = options.largeSize ?? 6 * 1024 * 1024;

  describe(`Backend contract: ${label}`, () => {
    let backend: Backend;
    let ns: string;

    beforeEach(async () => {
      backend = await make();
      ns = `contract-${randomBytes(6).toString('hex')}/`;
    });
    afterEach(async () => {
      await backend.close();
    });

    const read = async (name: string): Promise<Buffer> => buffer(await backend.get(name));

    test('put then stat and get round-trips bytes', async () => {
      const data = Buffer.from('hello, cache');
      await backend.put(`${ns}a/b.txt`, Readable.from([data]), { size: data.length });
      const info = await backend.stat(`${ns}a/b.txt`);
      expect(info).toMatchObject({ name: `${ns}a/b.txt`, size: data.length });
      expect(info!.lastModified).toBeInstanceOf(Date);
      expect(Math.abs(info!.lastModified.getTime() - Date.now())).toBeLessThan(10 * 60_000);
      expect(await read(`${ns}a/b.txt`)).toEqual(data);
    });

    test('an empty body is stored as an empty object', async () => {
      await backend.put(`${ns}empty`, Readable.from([]));
      expect((await backend.stat(`${ns}empty`))?.size).toBe(0);
      expect((await read(`${ns}empty`)).length).toBe(0);
    });

    test('a large body of unknown length spanning several parts round-trips intact', async () => {
      const data = randomBytes(largeSize);
      // A PassThrough fed in odd-sized slices: no length known up front, as with tar | zstd.
      const body = new PassThrough();
      const feed = (async () => {
        for (let off = 0; off < data.length; off += 777_777) {
          if (!body.write(data.subarray(off, off + 777_777))) {
            await new Promise((r) => body.once('drain', r));
          }
        }
        body.end();
      })();
      await Promise.all([backend.put(`${ns}large.bin`, body), feed]);
      expect((await backend.stat(`${ns}large.bin`))?.size).toBe(largeSize);
      const got = await read(`${ns}large.bin`);
      expect(got.length).toBe(largeSize);
      expect(createHash('sha256').update(got).digest('hex')).toBe(
        createHash('sha256').update(data).digest('hex'),
      );
    });

    test('get with the expected size returns the same bytes', async () => {
      const data = randomBytes(largeSize);
      await backend.put(`${ns}sized.bin`, Readable.from([data]), { size: data.length });
      const got = await buffer(await backend.get(`${ns}sized.bin`, { size: data.length }));
      expect(got.equals(data)).toBe(true);
    });

    test('stat of a missing name is undefined; get of it throws NotFoundError', async () => {
      expect(await backend.stat(`${ns}missing`)).toBeUndefined();
      await expect(backend.get(`${ns}missing`)).rejects.toBeInstanceOf(NotFoundError);
    });

    test('list returns exactly the names with the prefix, including nested ones', async () => {
      for (const n of ['k/one', 'k/one-two', 'k/onf', 'k/sub/one', 'x/one']) {
        await backend.put(`${ns}${n}`, Readable.from([Buffer.from(n)]));
      }
      const names = (await backend.list(`${ns}k/one`)).map((o) => o.name).sort();
      expect(names).toEqual([`${ns}k/one`, `${ns}k/one-two`]);
      const all = (await backend.list(`${ns}k/`)).map((o) => o.name).sort();
      expect(all).toEqual([`${ns}k/one`, `${ns}k/one-two`, `${ns}k/onf`, `${ns}k/sub/one`]);
      const one = (await backend.list(`${ns}k/one`)).find((o) => o.name === `${ns}k/one`);
      expect(one?.size).toBe(5);
      expect(await backend.list(`${ns}nothing-here`)).toEqual([]);
    });

    test('names with spaces, percent signs and Unicode are stored and listed verbatim', async () => {
      const name = `${ns}dir/na%20me é 漢字 +~.bin`;
      await backend.put(name, Readable.from([Buffer.from('u')]));
      expect((await backend.stat(name))?.size).toBe(1);
      expect((await backend.list(`${ns}dir/na%20me`)).map((o) => o.name)).toEqual([name]);
    });

    test('put replaces an existing object', async () => {
      await backend.put(`${ns}over`, Readable.from([Buffer.from('first')]));
      await backend.put(`${ns}over`, Readable.from([Buffer.from('second!')]));
      expect((await read(`${ns}over`)).toString()).toBe('second!');
      expect((await backend.stat(`${ns}over`))?.size).toBe(7);
    });

    if (options.conditionalCreate !== false) {
      test('ifAbsent refuses to replace an existing object and leaves it intact', async () => {
        await backend.put(`${ns}once`, Readable.from([Buffer.from('winner')]), { ifAbsent: true });
        await expect(
          backend.put(`${ns}once`, Readable.from([Buffer.from('loser')]), { ifAbsent: true }),
        ).rejects.toBeInstanceOf(AlreadyExistsError);
        expect((await read(`${ns}once`)).toString()).toBe('winner');
      });

      test('two racing ifAbsent writers: exactly one wins', async () => {
        const results = await Promise.allSettled(
          ['a', 'b', 'c'].map((w) =>
            backend.put(`${ns}race`, Readable.from([Buffer.from(w)]), { ifAbsent: true }),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results.filter((r) => r.status === 'rejected')) {
          expect(r.reason).toBeInstanceOf(AlreadyExistsError);
        }
      });
    }

    test('a put whose body fails midway leaves nothing visible', async () => {
      const body = new PassThrough();
      const put = backend.put(`${ns}broken`, body);
      body.write(randomBytes(1024 * 1024));
      setTimeout(() => body.destroy(new Error('producer died')), 20);
      await expect(put).rejects.toThrow();
      expect(await backend.stat(`${ns}broken`)).toBeUndefined();
      expect(await backend.list(`${ns}broken`)).toEqual([]);
    });

    test('a put aborted through its signal leaves nothing visible', async () => {
      const body = new PassThrough();
      const ac = new AbortController();
      const put = backend.put(`${ns}aborted`, body, { signal: ac.signal });
      body.write(randomBytes(1024 * 1024));
      setTimeout(() => ac.abort(new Error('deadline')), 20);
      await expect(put).rejects.toThrow();
      body.destroy();
      expect(await backend.stat(`${ns}aborted`)).toBeUndefined();
    });

    test('delete removes an object; deleting a missing name is fine', async () => {
      await backend.put(`${ns}gone`, Readable.from([Buffer.from('x')]));
      await backend.delete(`${ns}gone`);
      expect(await backend.stat(`${ns}gone`)).toBeUndefined();
      await expect(backend.delete(`${ns}gone`)).resolves.toBeUndefined();
    });

    const abandon = options.abandonUpload;
    if (abandon) {
      const named = options.uploadNames !== false;
      const mine = async (prefix: string) =>
        (await backend.listIncompleteUploads(prefix)).filter(
          (u) => !named || u.name?.startsWith(ns),
        );

      test('an abandoned write is listed as an incomplete upload, never as an object, until aborted', async () => {
        await abandon(backend, `${ns}up/dead.bin`);
        const [upload, ...more] = await mine(ns);
        expect(more).toEqual([]);
        expect(upload).toBeDefined();
        if (named) expect(upload!.name).toBe(`${ns}up/dead.bin`);
        expect(upload!.started).toBeInstanceOf(Date);
        expect(Math.abs(upload!.started.getTime() - Date.now())).toBeLessThan(10 * 60_000);
        expect(await backend.stat(`${ns}up/dead.bin`)).toBeUndefined();
        expect(await backend.list(ns)).toEqual([]);
        if (named) expect(await mine(`${ns}elsewhere/`)).toEqual([]);

        await backend.abortIncompleteUpload(upload!);
        expect(await mine(ns)).toEqual([]);
        expect(await backend.list(ns)).toEqual([]);
        // Aborting one that is gone already is fine.
        await expect(backend.abortIncompleteUpload(upload!)).resolves.toBeUndefined();
      });

      test('committed objects are not incomplete uploads, and aborting a stale upload never removes one', async () => {
        await abandon(backend, `${ns}late`);
        const [stale] = await mine(ns);
        expect(stale).toBeDefined();
        // A writer commits the name after the upload was listed, then the abort arrives.
        const data = randomBytes(1000);
        await backend.put(`${ns}late`, Readable.from([data]));
        await backend.put(`${ns}small`, Readable.from([Buffer.from('s')]));
        await backend.abortIncompleteUpload(stale!);
        expect(await read(`${ns}late`)).toEqual(data);
        expect(await mine(ns)).toEqual([]);
      });
    }

    if (options.paging) {
      test('list pages through more than 1000 matches', async () => {
        const names = Array.from(
          { length: 1105 },
          (_, i) => `${ns}page/${String(i).padStart(5, '0')}`,
        );
        const queue = [...names];
        await Promise.all(
          Array.from({ length: 16 }, async () => {
            for (let n = queue.shift(); n; n = queue.shift()) {
              await backend.put(n, Readable.from([Buffer.from('p')]));
            }
          }),
        );
        const listed = (await backend.list(`${ns}page/`)).map((o) => o.name).sort();
        expect(listed).toEqual(names);
      }, 300_000);
    }
  });
}
