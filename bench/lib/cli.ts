import { fileURLToPath } from 'node:url';

import { type Measured, runNode } from './child.js';

/** The built CLI bundle: whatever dist/ holds is what is measured. */
export const CliBundle = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url));

export type Store =
  | { kind: 'fs'; root: string }
  | {
      kind: 's3';
      endpoint: string;
      bucket: string;
      region: string;
      accessKeyId: string;
      secretAccessKey: string;
    };

export type S3Store = Extract<Store, { kind: 's3' }>;

export interface CliCall {
  store: Store;
  workspace: string;
  /** The declared path, relative to the workspace. */
  path: string;
  key: string;
  restoreKeys?: string[];
  repository?: string;
  /** This run's ref; default `main`. */
  ref?: string;
  extra?: string[];
}

/** `bucket-cache save`; fails unless the entry was saved. Returns the archive's size too. */
export async function cliSave(call: CliCall): Promise<Measured & { size: number }> {
  const run = await runNode([CliBundle, 'save', ...args(call)], env());
  const out = JSON.parse(run.stdout) as { status: string; size: number | null };
  if (out.status !== 'saved') throw new Error(`save of ${call.key}: ${run.stdout}`);
  return { ...run, size: out.size ?? 0 };
}

export interface RestoreOutputs {
  'cache-hit': boolean;
  'cache-matched-key': string;
  'cache-restored': boolean;
}

/** `bucket-cache restore`; its outputs are checked by the caller. */
export async function cliRestore(call: CliCall): Promise<Measured & { outputs: RestoreOutputs }> {
  const run = await runNode([CliBundle, 'restore', ...args(call)], env());
  return { ...run, outputs: JSON.parse(run.stdout) as RestoreOutputs };
}

function args(call: CliCall): string[] {
  const restoreKeys = (call.restoreKeys ?? []).flatMap((k) => ['--restore-keys', k]);
  // --strict: a store failure exits 1 instead of a fast, wrong "miss" being measured.
  return [
    ...['--repository', call.repository ?? 'bench/tree', '--ref', call.ref ?? 'main'],
    ...['--workspace', call.workspace, '--path', call.path, '--key', call.key],
    ...restoreKeys,
    ...storeFlags(call.store),
    ...['--json', '--strict'],
    ...(call.extra ?? []),
  ];
}

export function storeFlags(store: Store): string[] {
  if (store.kind === 'fs') return ['--fs-root', store.root];
  return [
    ...['--s3-bucket', store.bucket, '--s3-region', store.region],
    ...['--s3-endpoint', store.endpoint, '--s3-force-path-style'],
    ...['--aws-access-key-id', store.accessKeyId, '--aws-secret-access-key', store.secretAccessKey],
  ];
}

/** A clean environment: no CI variables of the machine running the bench leak into the CLI. */
export function env(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    TMPDIR: process.env.TMPDIR ?? '/tmp',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}
