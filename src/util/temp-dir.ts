import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Runs `fn` with a private scratch directory under RUNNER_TEMP (or the OS temp dir), then removes it. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const base = process.env.RUNNER_TEMP || os.tmpdir();
  const dir = await mkdtemp(path.join(base, 'bucket-cache-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
