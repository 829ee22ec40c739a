import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { annotations, bundles, project, Runner } from '../helpers/action-env.js';

// Configuration errors fail the step with the input's name: the built bundles and the CLI.
describe('configuration errors fail the step, naming the input', () => {
  const runner = new Runner();
  afterAll(() => runner.cleanup());
  const sas = 'sv=2024-08-04&sr=c&sp=rl&se=2030-01-01T00%3A00%3A00Z&sig=abc%3D';

  test.each([
    [{ 'azure-container': 'Build_Cache', 'azure-account-name': 'acct' }, /azure-container/],
    [
      { 'azure-container': 'cache', 'azure-account-name': 'acct', 'azure-sas-token': 'hunter22' },
      /azure-sas-token is not a SAS token.*input: azure-sas-token/,
    ],
    [
      {
        'azure-container': 'cache',
        'azure-connection-string': 'UseDevelopmentStorage=true',
        'azure-sas-token': sas,
      },
      /cannot be combined with azure-sas-token.*input: azure-connection-string/,
    ],
    [
      { 'azure-container': 'cache', 'azure-account-name': 'acct', 'azure-endpoint': 'acct.blob' },
      /input: azure-endpoint/,
    ],
    [{ 's3-bucket': 'b', 's3-endpoint': 'minio:9000' }, /input: s3-endpoint/],
  ])('%j: restore and save fail with an error annotation', async (storage, message) => {
    const job = runner.job();
    project(job, 'x');
    const inputs = { path: 'deps', key: 'k', ...storage };
    for (const bundle of [bundles.restore, bundles.save]) {
      const run = await runner.run(bundle, job, inputs);
      expect(run.code).not.toBe(0);
      expect(annotations(run, 'error').join('\n')).toMatch(message);
      expect(annotations(run, 'warning')).toEqual([]);
    }
  });

  test('fs-root inside a cached path fails both steps naming both inputs; nothing is written', async () => {
    const job = runner.job();
    project(job, 'x');
    const inputs = { path: 'deps', key: 'k', 'fs-root': 'deps/.cache-store' };
    for (const bundle of [bundles.restore, bundles.save]) {
      const run = await runner.run(bundle, job, inputs);
      expect(run.code).not.toBe(0);
      expect(annotations(run, 'error').join('\n')).toMatch(
        /fs-root .*deps\/\.cache-store.* is inside the cached path .*deps.*input: fs-root/,
      );
    }
    expect(spawnSync('ls', ['-A', path.join(job.workspace, 'deps')]).stdout.toString()).not.toMatch(
      /cache-store/,
    );
  });

  test('the CLI exits 2 with the same message and the flag to change', () => {
    const ws = path.join(runner.root, 'cli-ws');
    mkdirSync(path.join(ws, 'deps'), { recursive: true });
    writeFileSync(path.join(ws, 'deps', 'a'), 'a');
    const r = spawnSync(
      process.execPath,
      [
        path.resolve('dist/cli/index.js'),
        'save',
        '--path',
        'deps',
        '--key',
        'k',
        '--azure-container',
        'cache',
        '--azure-account-name',
        'acct',
        '--azure-sas-token',
        'https://acct.blob.core.windows.net/cache?sv=1&sig=x',
      ],
      {
        cwd: ws,
        env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir() },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr + r.stdout).toMatch(/azure-sas-token is not a SAS token.*--azure-sas-token/s);
  });
});
