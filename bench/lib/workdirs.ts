import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import path from 'node:path';

/**
 * The bench's scratch space: archives, stores and extraction targets of one bench run. The
 * previous run's is moved aside here and deleted by `deleteOld` once this run has measured
 * everything: on ext4, creating 30,000 files for minutes after deleting 300,000 is several times
 * slower, which would bias the whole run (it did: every figure, baselines included, was 2-4x
 * its value by hand). Nothing is deleted between measurements.
 */
export function freshWorkDir(benchDir: string, name = 'work'): Work {
  const root = path.join(benchDir, name);
  if (existsSync(root)) renameSync(root, path.join(benchDir, `${name}-old-${Date.now()}`));
  mkdirSync(root, { recursive: true });
  return new Work(root);
}

/** Deletes the work directories `name` of earlier runs; call after measuring. */
export function deleteOld(benchDir: string, name = 'work'): void {
  for (const entry of readdirSync(benchDir)) {
    // fs.rmSync takes minutes for 300,000 files
    if (entry.startsWith(`${name}-old-`)) execFileSync('rm', ['-rf', path.join(benchDir, entry)]);
  }
}

export class Work {
  constructor(readonly root: string) {}

  /** A directory for `name`, created on first use. */
  dir(...name: string[]): string {
    const dir = path.join(this.root, ...name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** A fresh extraction target for run `n` of case `name`: never reused within a bench. */
  target(name: string, n: number): string {
    return this.dir('targets', name, `run-${n}`);
  }
}
