import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The bench's scratch space: archives, stores and extraction targets of one bench run. The
 * previous run's is deleted here, at the start, never between measurements: re-creating 30,000
 * files right after deleting 30,000 is several times slower on ext4, which would bias whichever
 * measurement came next. After deleting, `sync` so the deletion is not paid for later.
 */
export function freshWorkDir(benchDir: string, name = 'work'): Work {
  const root = path.join(benchDir, name);
  execFileSync('rm', ['-rf', root]); // fs.rmSync takes minutes for 300,000 files
  execFileSync('sync');
  mkdirSync(root, { recursive: true });
  return new Work(root);
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
