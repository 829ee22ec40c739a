import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';

import type { ActionRun } from '../../scripts/run-action.mjs';
import { annotations, bundles, type Job, project, Runner } from '../helpers/action-env.js';
import { type Azurite, startAzurite } from '../helpers/azurite.js';

// The built action, run as the runner and act run it, against Azure Blob Storage (Azurite).
describe('dist bundles on the Azure backend', () => {
  const runner = new Runner();
  let azurite: Azurite;
  /** Every run in this file, so the secret check also covers the other tests' output. */
  const runs: { label: string; run: ActionRun }[] = [];

  beforeAll(async () => {
    azurite = await startAzurite();
  }, 60_000);
  afterAll(async () => {
    await azurite?.stop();
    runner.cleanup();
  });

  async function run(
    label: string,
    bundle: string,
    job: Job,
    inputs: Record<string, string>,
    state?: Record<string, string>,
  ): Promise<ActionRun> {
    const r = await runner.run(bundle, job, inputs, state);
    runs.push({ label, run: r });
    return r;
  }

  /** Every SAS token handed to the action, so the secret check knows each signature. */
  const issued: string[] = [];
  const sas = (permissions: string, expiresOn?: Date): string => {
    const token = azurite.sasToken(permissions, expiresOn);
    issued.push(token);
    return token;
  };

  // The ways to sign in with a secret; each test isolates its entries under its own `prefix`.
  const byConnectionString = (): Record<string, string> => ({
    'azure-container': azurite.container,
    'azure-connection-string': azurite.connectionString,
  });
  const byAccountKey = (key = azurite.accountKey): Record<string, string> => ({
    'azure-container': azurite.container,
    'azure-account-name': azurite.accountName,
    'azure-account-key': key,
    'azure-endpoint': azurite.endpoint,
  });
  const bySas = (token: string): Record<string, string> => ({
    'azure-container': azurite.container,
    'azure-sas-token': token,
    'azure-endpoint': azurite.endpoint,
  });

  const marker = (job: Job): string =>
    readFileSync(path.join(job.workspace, 'deps', 'sub', 'file.txt'), 'utf8');

  async function blobNames(prefix: string): Promise<string[]> {
    const names: string[] = [];
    for await (const b of azurite.containerClient().listBlobsFlat({ prefix })) names.push(b.name);
    return names;
  }
  async function blobText(name: string): Promise<string> {
    const res = await azurite.containerClient().getBlobClient(name).download();
    return (await buffer(res.readableStreamBody!)).toString('utf8');
  }
  const manifests = async (prefix: string): Promise<string[]> =>
    (await blobNames(`${prefix}/`)).filter((n) => n.includes('/keys/'));
  const archives = async (prefix: string): Promise<string[]> =>
    (await blobNames(`${prefix}/`)).filter((n) => n.includes('/archives/'));

  /** How @actions/core escapes a command's data; the runner undoes it before masking. */
  const escapeCommandData = (s: string): string =>
    s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

  /** The secret values that must never be written anywhere but an `::add-mask::` command. */
  function secrets(): string[] {
    const connKey = /AccountKey=([^;]+)/.exec(azurite.connectionString)![1]!;
    const sigs = issued.flatMap((t) => {
      const sig = new URLSearchParams(t).get('sig')!;
      return [sig, encodeURIComponent(sig)];
    });
    return [azurite.accountKey, connKey, azurite.connectionString, ...issued, ...sigs];
  }

  /** Where each secret shows up in these runs' logs, state, outputs and summaries, and in `texts`. */
  function leaks(
    of: { label: string; run: ActionRun }[],
    texts: [string, string][] = [],
  ): string[] {
    // Also as a workflow command carries them (`::warning::` data escapes '%' as '%25').
    const all = [...new Set(secrets().flatMap((v) => [v, escapeCommandData(v)]))];
    const found: string[] = [];
    const check = (where: string, text: string): void => {
      for (const s of all) if (text.includes(s)) found.push(`${where}: ${s.slice(0, 8)}…`);
    };
    const unmasked = (t: string): string =>
      t
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n');
    for (const { label, run: r } of of) {
      check(`${label} stdout`, unmasked(r.stdout));
      check(`${label} stderr`, unmasked(r.stderr));
      check(`${label} state`, JSON.stringify(r.state));
      check(`${label} outputs`, JSON.stringify(r.outputs));
      check(`${label} summary`, r.summary);
    }
    for (const [where, text] of texts) check(where, text);
    return found;
  }

  function sha256(file: string): string {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  }

  test('combined action with a connection string: miss → post save → exact hit in a fresh workspace → save skipped', async () => {
    const inputs = {
      path: 'deps',
      key: 'deps-a',
      'restore-keys': 'deps-',
      prefix: 'combined',
      ...byConnectionString(),
    };
    const first = runner.job();
    project(first, 'one');
    const miss = await run('combined miss', bundles.restore, first, inputs);
    expect(miss.code).toBe(0);
    expect(annotations(miss, 'warning')).toEqual([]);
    expect(miss.outputs).toEqual({
      'cache-primary-key': 'deps-a',
      'cache-hit': 'false',
      'cache-restored': 'false',
      'cache-matched-key': '',
      'cache-size': '',
    });
    expect(miss.stdout).toContain(
      `Cache not found for input keys: deps-a, deps- (searched refs/heads/main in azure://${azurite.accountName}/${azurite.container}`,
    );

    const post = await run('combined post save', bundles.save, first, inputs, miss.state);
    expect(post.code).toBe(0);
    expect(annotations(post, 'warning')).toEqual([]);
    expect(post.stdout).toMatch(/Cache saved with key: deps-a \(refs\/heads\/main, .* in .* s/);
    expect(post.summary).toContain('saved');
    const [manifest] = await manifests('combined');
    expect(await manifests('combined')).toHaveLength(1);
    expect(manifest).toMatch(
      /^combined\/octo-org\/app\/ref-refs%2Fheads%2Fmain\/[^/]+\/keys\/deps-a$/,
    );
    const m = JSON.parse(await blobText(manifest!)) as { archive: string; size: number };
    expect(await archives('combined')).toEqual([m.archive]);

    const second = runner.job();
    const hit = await run('combined hit', bundles.restore, second, inputs);
    expect(hit.code).toBe(0);
    expect(hit.outputs).toMatchObject({
      'cache-hit': 'true',
      'cache-restored': 'true',
      'cache-matched-key': 'deps-a',
      'cache-size': String(m.size),
    });
    const deps = path.join(second.workspace, 'deps');
    expect(marker(second)).toBe('one');
    expect(readlinkSync(path.join(deps, 'link'))).toBe('sub/file.txt');
    expect(readFileSync(path.join(deps, 'link'), 'utf8')).toBe('one');
    expect(statSync(path.join(deps, 'tool.sh')).mode & 0o777).toBe(0o755);
    expect(existsSync(path.join(deps, 'sub', 'empty'))).toBe(true);
    expect(hit.summary).toContain('hit');

    const skip = await run('combined skip', bundles.save, second, inputs, hit.state);
    expect(skip.code).toBe(0);
    expect(skip.stdout).toContain(
      'Cache hit occurred on the primary key deps-a, not saving cache.',
    );
    expect(await archives('combined')).toEqual([m.archive]);
  });

  test('restore and save sub-actions with account name + key + endpoint', async () => {
    const inputs = { path: 'deps', key: 'key-1', prefix: 'account-key', ...byAccountKey() };
    const job = runner.job();
    project(job, 'by-key');
    const miss = await run('account-key miss', bundles.restore, job, inputs);
    expect(miss.code).toBe(0);
    expect(annotations(miss, 'warning')).toEqual([]);
    expect(miss.outputs['cache-hit']).toBe('false');

    // The save sub-action gets no state: it reads its own inputs.
    const saved = await run('account-key save', bundles.save, job, inputs);
    expect(saved.code).toBe(0);
    expect(annotations(saved, 'warning')).toEqual([]);
    expect(saved.stdout).toContain('Cache saved with key: key-1');
    const again = await run('account-key save again', bundles.save, job, inputs);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Cache entry for key key-1 already exists');
    expect(await archives('account-key')).toHaveLength(1);

    const fresh = runner.job();
    const hit = await run('account-key hit', bundles.restore, fresh, inputs);
    expect(hit.code).toBe(0);
    expect(hit.outputs).toMatchObject({ 'cache-hit': 'true', 'cache-matched-key': 'key-1' });
    expect(marker(fresh)).toBe('by-key');
  });

  test('SAS tokens: read-write (rwdl) saves, read-only (rl) restores, read-only save warns and writes nothing', async () => {
    const rw = sas('rwdl');
    const ro = sas('rl');
    const base = { path: 'deps', prefix: 'sas' };

    const writer = runner.job();
    project(writer, 'by-sas');
    const saved = await run('sas rwdl save', bundles.save, writer, {
      ...base,
      key: 'sas-1',
      ...bySas(`?${rw}`), // the leading '?' that portals copy along is accepted
    });
    expect(saved.code).toBe(0);
    expect(annotations(saved, 'warning')).toEqual([]);
    expect(saved.stdout).toContain('Cache saved with key: sas-1');

    const reader = runner.job();
    const hit = await run('sas rl restore', bundles.restore, reader, {
      ...base,
      key: 'sas-1',
      ...bySas(ro),
    });
    expect(hit.code).toBe(0);
    expect(annotations(hit, 'warning')).toEqual([]);
    expect(hit.outputs).toMatchObject({ 'cache-hit': 'true', 'cache-matched-key': 'sas-1' });
    expect(marker(reader)).toBe('by-sas');

    const before = await blobNames('sas/');
    const denied = await run('sas rl save', bundles.save, reader, {
      ...base,
      key: 'sas-2',
      ...bySas(ro),
    });
    expect(denied.code).toBe(0);
    const warnings = annotations(denied, 'warning').join('\n');
    expect(warnings).toContain('cache save failed');
    expect(warnings).toMatch(/azure-sas-token lacks a permission for put \(this token has sp=rl\)/);
    expect(warnings).toContain('read-write (save) needs read, write, delete and list (sp=rwdl');
    expect(denied.summary).toContain('failed (see warnings)');
    // Nothing was written: no manifest, no archive, not even uncommitted blocks.
    expect(await blobNames('sas/')).toEqual(before);
    const withUncommitted: string[] = [];
    for await (const b of azurite
      .containerClient()
      .listBlobsFlat({ prefix: 'sas/', includeUncommitedBlobs: true })) {
      withUncommitted.push(b.name);
    }
    expect(withUncommitted).toEqual(before);
  });

  test('an archive of several blocks (part-size 5MiB, 25 MiB of random bytes) round-trips intact', async () => {
    const inputs = {
      path: 'big',
      key: 'big-1',
      prefix: 'blocks',
      'part-size': '5MiB',
      concurrency: '3',
      ...byConnectionString(),
    };
    const job = runner.job();
    mkdirSync(path.join(job.workspace, 'big'));
    const file = path.join(job.workspace, 'big', 'random.bin');
    writeFileSync(file, randomBytes(25 * 1024 * 1024));
    const want = sha256(file);

    const saved = await run('blocks save', bundles.save, job, inputs);
    expect(saved.code).toBe(0);
    expect(annotations(saved, 'warning')).toEqual([]);
    expect(saved.stdout).toContain('Cache saved with key: big-1');

    const [archive] = await archives('blocks');
    expect(await archives('blocks')).toHaveLength(1);
    const blob = azurite.containerClient().getBlockBlobClient(archive!);
    const list = await blob.getBlockList('committed');
    const blocks = list.committedBlocks ?? [];
    // Random bytes do not compress: 25 MiB plus tar headers is five full 5 MiB blocks and a tail.
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    expect(blocks.slice(0, -1).every((b) => b.size === 5 * 1024 * 1024)).toBe(true);
    const committed = blocks.reduce((s, b) => s + b.size, 0);
    expect((await blob.getProperties()).contentLength).toBe(committed);
    const m = JSON.parse(await blobText((await manifests('blocks'))[0]!)) as { size: number };
    expect(m.size).toBe(committed);

    const fresh = runner.job();
    const hit = await run('blocks restore', bundles.restore, fresh, inputs);
    expect(hit.code).toBe(0);
    expect(annotations(hit, 'warning')).toEqual([]);
    expect(hit.outputs).toMatchObject({ 'cache-hit': 'true', 'cache-size': String(committed) });
    expect(sha256(path.join(fresh.workspace, 'big', 'random.bin'))).toBe(want);
  });

  test('two writers of one key: the first wins, the loser cleans up, a restore gets one whole side', async () => {
    const inputs = {
      path: 'deps',
      key: 'race-1',
      prefix: 'race',
      'part-size': '5MiB',
      ...byConnectionString(),
    };
    const writers = [runner.job(), runner.job()].map((job, i) => {
      const deps = path.join(job.workspace, 'deps');
      mkdirSync(deps);
      // Several blocks each, so both uploads are in flight together.
      writeFileSync(path.join(deps, 'blob.bin'), randomBytes(12 * 1024 * 1024));
      writeFileSync(path.join(deps, 'who.txt'), `writer-${i}`);
      return { job, i, sha: sha256(path.join(deps, 'blob.bin')) };
    });
    const results = await Promise.all(
      writers.map((w) => run(`race writer ${w.i}`, bundles.save, w.job, inputs)),
    );
    for (const r of results) {
      expect(r.code).toBe(0);
      expect(annotations(r, 'warning')).toEqual([]);
    }
    const winners = results.filter((r) => r.stdout.includes('Cache saved with key: race-1'));
    expect(winners).toHaveLength(1);
    const loser = results.find((r) => r !== winners[0])!;
    expect(loser.stdout).toMatch(
      /Another job saved key race-1 first; keeping its entry\.|Cache entry for key race-1 already exists/,
    );

    const keys = await manifests('race');
    expect(keys).toHaveLength(1);
    const m = JSON.parse(await blobText(keys[0]!)) as {
      archive: string;
      writer: { runUrl?: string };
    };
    const folder = `${keys[0]!.slice(0, keys[0]!.lastIndexOf('/keys/'))}/archives/`;
    expect(await blobNames(folder)).toEqual([m.archive]);

    const fresh = runner.job();
    const hit = await run('race restore', bundles.restore, fresh, inputs);
    expect(hit.outputs['cache-hit']).toBe('true');
    const who = readFileSync(path.join(fresh.workspace, 'deps', 'who.txt'), 'utf8');
    const winner = writers.find((w) => `writer-${w.i}` === who);
    expect(winner).toBeDefined();
    expect(sha256(path.join(fresh.workspace, 'deps', 'blob.bin'))).toBe(winner!.sha);
    // The manifest and the log agree on who won.
    expect(m.writer.runUrl).toContain(`/runs/${winner!.job.env.GITHUB_RUN_ID}`);
    expect(results[winner!.i]).toBe(winners[0]);
  });

  test('failures are warnings: a wrong account key, a missing container', async () => {
    const job = runner.job();
    project(job, 'x');
    const wrongKey = byAccountKey(randomBytes(64).toString('base64'));
    const base = { path: 'deps', key: 'fail-1', 'restore-keys': 'fail-', prefix: 'fail' };

    const r = await run('wrong key restore', bundles.restore, job, { ...base, ...wrongKey });
    expect(r.code).toBe(0);
    expect(r.outputs).toMatchObject({ 'cache-hit': 'false', 'cache-restored': 'false' });
    const rw = annotations(r, 'warning').join('\n');
    expect(rw).toContain('cache restore failed');
    expect(rw).toContain(
      `check azure-account-key is a current key of account '${azurite.accountName}'`,
    );
    const s = await run('wrong key save', bundles.save, job, { ...base, ...wrongKey }, r.state);
    expect(s.code).toBe(0);
    expect(annotations(s, 'warning').join('\n')).toMatch(/cache save failed.*azure-account-key/);

    const missing = { ...byConnectionString(), 'azure-container': 'no-such-container' };
    const mr = await run('missing container restore', bundles.restore, job, {
      ...base,
      ...missing,
    });
    expect(mr.code).toBe(0);
    expect(mr.outputs['cache-hit']).toBe('false');
    expect(annotations(mr, 'warning').join('\n')).toMatch(
      /container 'no-such-container' does not exist.*fix azure-container/,
    );
    const ms = await run('missing container save', bundles.save, job, { ...base, ...missing });
    expect(ms.code).toBe(0);
    expect(annotations(ms, 'warning').join('\n')).toMatch(
      /cache save failed.*container 'no-such-container' does not exist.*azure-container/,
    );
    expect(await blobNames('fail/')).toEqual([]);
  });

  // After the others, so it also covers their runs; its own runs cover each auth mode's success
  // and failure paths when it is run alone.
  test('secrets never appear in logs, state, outputs, the job summary or the manifest', async () => {
    const ro = sas('rl');
    const rw = sas('rwdl');
    const base = { path: 'deps', prefix: 'secrets' };
    const modes: [string, Record<string, string>][] = [
      ['connection string', byConnectionString()],
      ['account key', byAccountKey()],
      ['sas', bySas(rw)],
    ];
    const all = secrets();
    for (const [label, auth] of modes) {
      const job = runner.job();
      project(job, label);
      const inputs = { ...base, key: `secret-${label}`, ...auth };
      const miss = await run(`secrets ${label} restore`, bundles.restore, job, inputs);
      expect(miss.code).toBe(0);
      // The action masks every secret input it reads.
      const given = Object.values(auth).filter((v) => all.includes(v));
      expect(given).toHaveLength(1);
      expect(miss.stdout.split('\n')).toContain(`::add-mask::${escapeCommandData(given[0]!)}`);
      const saved = await run(`secrets ${label} save`, bundles.save, job, inputs, miss.state);
      expect(saved.stdout).toContain(`Cache saved with key: secret-${label}`);
      const hit = await run(`secrets ${label} hit`, bundles.restore, runner.job(), inputs);
      expect(hit.outputs['cache-hit']).toBe('true');
    }
    // Failure paths, where request details are most likely to end up in a message.
    const deniedJob = runner.job();
    project(deniedJob, 'denied');
    const denied = await run('secrets sas denied', bundles.save, deniedJob, {
      ...base,
      key: 'secret-denied',
      ...bySas(ro),
    });
    expect(annotations(denied, 'warning').join('\n')).toContain('lacks a permission');
    const expired = await run('secrets sas expired', bundles.restore, runner.job(), {
      ...base,
      key: 'secret-expired',
      ...bySas(sas('rl', new Date(Date.now() - 60_000))),
    });
    expect(annotations(expired, 'warning').join('\n')).toContain('azure-sas-token expired at');
    const badConn = await run('secrets bad connection string', bundles.restore, runner.job(), {
      ...base,
      key: 'secret-bad',
      ...byConnectionString(),
      'azure-connection-string': azurite.connectionString.replace(
        /AccountKey=[^;]+/,
        `AccountKey=${randomBytes(64).toString('base64')}`,
      ),
    });
    expect(annotations(badConn, 'warning').join('\n')).toContain(
      'the credential in azure-connection-string was rejected',
    );

    expect(await manifests('secrets')).toHaveLength(modes.length);
    // Every manifest written so far (the restore-keys test, which runs after this one, checks its own).
    const bodies = await Promise.all(
      (await blobNames(''))
        .filter((n) => n.includes('/keys/'))
        .map(async (n): Promise<[string, string]> => [n, await blobText(n)]),
    );
    expect(bodies.length).toBeGreaterThanOrEqual(modes.length);
    // All runs of this file so far: every auth mode, success and failure paths.
    expect(runs.length).toBeGreaterThanOrEqual(modes.length * 3 + 3);
    expect(leaks(runs, bodies)).toEqual([]);
  });

  // 5,200 manifests under one restore-key prefix: more than one page of Azurite's default 5,000,
  // with the newest entry on the second page and an older one holding the greatest name, so the
  // newest is only found by reading every page and comparing lastModified, not names.
  test('restore-keys over 5,200 entries: the newest entry wins, across listing pages', async () => {
    const COPIES = 5200;
    const inputs = { path: 'deps', prefix: 'many', ...byAccountKey() };
    const seed = runner.job();
    project(seed, 'old');
    const seeded = await run('many seed', bundles.save, seed, { ...inputs, key: 'seed' });
    expect(seeded.stdout).toContain('Cache saved with key: seed');
    const [seedManifest] = await manifests('many');
    const body = await blobText(seedManifest!);
    const folder = seedManifest!.slice(0, seedManifest!.lastIndexOf('/') + 1);

    const client = azurite.containerClient();
    const names = Array.from({ length: COPIES }, (_, i) => `many-${String(i).padStart(4, '0')}`);
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < names.length) {
          const name = `${folder}${names[next++]!}`;
          await client.getBlockBlobClient(name).upload(body, Buffer.byteLength(body));
        }
      }),
    );
    // Azurite's default page really is smaller than the listing, so the bundle must page.
    const firstPage = await client
      .listBlobsFlat({ prefix: `${folder}many-` })
      .byPage()
      .next();
    expect(firstPage.done).toBe(false);
    if (!firstPage.done) {
      expect(firstPage.value.segment.blobItems.length).toBe(5000);
      expect(firstPage.value.continuationToken).toBeTruthy();
    }

    // Listing times are whole seconds: make sure the newest is in a later second.
    await new Promise((r) => setTimeout(r, 1_100));
    const newest = runner.job();
    project(newest, 'newest');
    // Sorts after many-5100, so it is on the second page, and before many-5199.
    const wrote = await run('many newest', bundles.save, newest, {
      ...inputs,
      key: 'many-5100-new',
    });
    expect(wrote.stdout).toContain('Cache saved with key: many-5100-new');
    // The premise: the newest is on the second page, older entries share its prefix on both
    // pages, and the greatest name is an older one.
    const listed: { name: string; at: number }[] = [];
    for await (const b of client.listBlobsFlat({ prefix: `${folder}many-` })) {
      listed.push({ name: b.name.slice(folder.length), at: b.properties.lastModified.getTime() });
    }
    expect(listed).toHaveLength(COPIES + 1);
    const at = listed.findIndex((b) => b.name === 'many-5100-new');
    expect(at).toBeGreaterThanOrEqual(5000);
    expect(listed.at(-1)!.name).toBe('many-5199');
    const older = listed.filter((b) => b.name !== 'many-5100-new');
    expect(Math.max(...older.map((b) => b.at))).toBeLessThan(listed[at]!.at);

    const fresh = runner.job();
    const r = await run('many restore', bundles.restore, fresh, {
      ...inputs,
      key: 'many-missing',
      'restore-keys': 'nothing-\nmany-',
    });
    expect(r.code).toBe(0);
    expect(annotations(r, 'warning')).toEqual([]);
    expect(r.outputs).toMatchObject({
      'cache-hit': 'false',
      'cache-restored': 'true',
      'cache-matched-key': 'many-5100-new',
    });
    expect(marker(fresh)).toBe('newest');
    const newestManifest = `${folder}many-5100-new`;
    expect(
      leaks(
        runs.filter((r) => r.label.startsWith('many')),
        [[newestManifest, await blobText(newestManifest)]],
      ),
    ).toEqual([]);
  });
});
