import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { type Measured, runNode, runShell } from './child.js';
import { env, type Store } from './cli.js';

/** The raw pipelines the CLI is held to, each a child process measured like the CLI. */

/** `tar | zstd -T0 -3 > file` of the declared path. */
export function pack(ws: string, declared: string, archive: string): Promise<Measured> {
  return runShell(`tar -cf - -C '${ws}' '${declared}' | zstd -T0 -3 -q > '${archive}'`);
}

/** `zstd -d | tar -x` into a fresh directory. */
export function unpack(archive: string, target: string): Promise<Measured> {
  mkdirSync(target, { recursive: true });
  return runShell(`zstd -d -q < '${archive}' | tar -xf - -C '${target}'`);
}

type S3Store = Extract<Store, { kind: 's3' }>;

const script = (name: string): string => fileURLToPath(new URL(name, import.meta.url));

function s3Env(store: S3Store): Record<string, string> {
  return {
    ...env(),
    BENCH_S3_ENDPOINT: store.endpoint,
    BENCH_S3_BUCKET: store.bucket,
    BENCH_S3_REGION: store.region,
    BENCH_S3_KEY_ID: store.accessKeyId,
    BENCH_S3_SECRET: store.secretAccessKey,
  };
}

/** Parallel ranged GET of `key` (`ranges` at once), bodies discarded. */
export function rawGet(store: S3Store, key: string, size: number, ranges: number) {
  return runNode([script('raw-get.mjs'), key, String(size), String(ranges)], s3Env(store));
}

/** Multipart PUT of `file` to `key`, parts read from disk. */
export function rawPut(store: S3Store, file: string, key: string, part: number, inFlight: number) {
  return runNode([script('raw-put.mjs'), file, key, String(part), String(inFlight)], s3Env(store));
}

/** ListObjectsV2 of everything under `prefix`, page after page. */
export function rawList(store: S3Store, prefix: string, expected: number) {
  return runNode([script('raw-list.mjs'), prefix, String(expected)], s3Env(store));
}
