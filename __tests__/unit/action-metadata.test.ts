import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

import { parse } from 'yaml';

import { Inputs, Outputs, PruneInputs, PruneOutputs } from '../../src/constants.js';
import { ToolVersion } from '../../src/version.js';

interface ActionYml {
  inputs: Record<
    string,
    { description: string; required: boolean; default?: string; deprecationMessage?: string }
  >;
  outputs?: Record<string, { description: string }>;
  runs: { using: string; main: string; post?: string; 'post-if'?: string };
}
const load = (file: string): ActionYml => parse(readFileSync(file, 'utf8')) as ActionYml;
const combined = load('action.yml');
const restore = load('restore/action.yml');
const save = load('save/action.yml');
const pruneAction = load('prune/action.yml');

describe('action metadata', () => {
  test('the combined action declares exactly the inputs the code reads', () => {
    // Plus the post step's size budget, which it reads only to prune after saving.
    expect(Object.keys(combined.inputs).sort()).toEqual(
      [...Object.values(Inputs), PruneInputs.MaxTotalSize].sort(),
    );
  });

  test("restore and save declare only known inputs, with the combined action's wording", () => {
    for (const sub of [restore, save]) {
      for (const [name, spec] of Object.entries(sub.inputs)) {
        expect(combined.inputs[name]).toEqual(spec);
      }
    }
    expect(Object.keys(save.inputs)).not.toContain(Inputs.RestoreKeys);
    expect(Object.keys(save.inputs)).not.toContain(Inputs.Save);
    expect(Object.keys(restore.inputs)).not.toContain(Inputs.Overwrite);
  });

  test("save-always is the combined action's only, with actions/cache's deprecation message", () => {
    // actions/cache's action.yml, word for word but for the action names and the link.
    expect(combined.inputs[Inputs.SaveAlways]?.deprecationMessage).toBe(
      'save-always does not work as intended and will be removed in a future release.\n' +
        'A separate `bucket-cache/restore` step should be used instead.\n' +
        'See the "Always save" example in save/README.md for more details.',
    );
    expect(Object.keys(save.inputs)).not.toContain(Inputs.SaveAlways);
    expect(Object.keys(restore.inputs)).not.toContain(Inputs.SaveAlways);
    expect(Object.keys(save.inputs)).toContain(Inputs.UploadChunkSize);
    expect(readFileSync('save/README.md', 'utf8')).toContain('## Always save');
  });

  test('restore and combined declare every output; save declares none', () => {
    expect(Object.keys(combined.outputs ?? {}).sort()).toEqual(Object.values(Outputs).sort());
    expect(Object.keys(restore.outputs ?? {}).sort()).toEqual(Object.values(Outputs).sort());
    expect(save.outputs).toBeUndefined();
  });

  test('runs: node24, restore in main, save in post on success, sub-actions point at the shared bundles', () => {
    expect(combined.runs).toEqual({
      using: 'node24',
      main: 'dist/restore/index.js',
      post: 'dist/save/index.js',
      'post-if': 'success()',
    });
    expect(restore.runs).toEqual({ using: 'node24', main: '../dist/restore/index.js' });
    expect(save.runs).toEqual({ using: 'node24', main: '../dist/save/index.js' });
  });

  test('prune declares the storage and transfer inputs with the same wording, plus its own', () => {
    const cacheOnly = [
      Inputs.Path,
      Inputs.Key,
      Inputs.RestoreKeys,
      Inputs.FailOnCacheMiss,
      Inputs.LookupOnly,
      Inputs.EnableCrossOsArchive,
      Inputs.Save,
      Inputs.SaveAlways,
      Inputs.Overwrite,
      Inputs.Scope,
      Inputs.Compression,
      Inputs.CompressionLevel,
      Inputs.FailOnError,
      Inputs.AllowUntrustedSave,
    ];
    const storage = Object.values(Inputs).filter((i) => !cacheOnly.includes(i));
    expect(Object.keys(pruneAction.inputs).sort()).toEqual(
      [...storage, ...Object.values(PruneInputs)].sort(),
    );
    for (const name of storage) expect(pruneAction.inputs[name]).toEqual(combined.inputs[name]);
    expect(Object.keys(pruneAction.outputs ?? {}).sort()).toEqual(
      Object.values(PruneOutputs).sort(),
    );
    expect(pruneAction.runs).toEqual({ using: 'node24', main: '../dist/prune/index.js' });
    for (const name of Object.values(PruneInputs)) {
      if (name === PruneInputs.MaxTotalSize) {
        expect(combined.inputs[name]).toEqual(pruneAction.inputs[name]);
      } else {
        expect(combined.inputs[name]).toBeUndefined();
      }
    }
  });

  test('action.yml files and README tables are generated from the current spec', () => {
    const r = spawnSync(process.execPath, ['scripts/generate.mjs', '--check'], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('the README documents every input and output', () => {
    const readme = readFileSync('README.md', 'utf8');
    const names: string[] = [
      ...Object.values(Inputs),
      ...Object.values(Outputs),
      ...Object.values(PruneInputs),
      ...Object.values(PruneOutputs),
    ];
    for (const name of names) {
      expect(readme).toContain(`| \`${name}\` |`);
    }
  });

  test('the tool version recorded in manifests matches package.json', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(ToolVersion).toBe(`bucket-cache/${pkg.version}`);
  });
});
