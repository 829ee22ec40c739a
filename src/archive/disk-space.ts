import { statfs as fsStatfs } from 'node:fs/promises';

import { formatBytes } from '../logger.js';

/** What restore needs of statfs(2); injectable so tests can pretend a disk is full. */
export type StatFs = (dir: string) => Promise<{ bavail: number; bsize: number; blocks: number }>;

/**
 * How much free space a restore leaves at each staging location: max(minBytes, fraction of the
 * filesystem). The floor keeps room for the job's own logs and temp files on a small disk; the
 * fraction scales with large shared volumes (self-hosted runners, other jobs on the box). 2 %
 * rather than 5 %: a GitHub-hosted runner has ~14 GB free of ~75 GB, and a 5 % margin (3.7 GB)
 * would refuse a 10 GB cache that restores fine today. Free space is statfs's `bavail`, what an
 * unprivileged user may use, so on ext4 the root reserve (5 % by default) comes on top.
 */
export interface SpaceMargin {
  minBytes: number;
  fraction: number;
  statfs?: StatFs;
}

export const DefaultSpaceMargin: SpaceMargin = { minBytes: 256 * 1024 * 1024, fraction: 0.02 };

/** While extracting, free space is looked at again after every this many bytes of tar stream. */
export const SpaceCheckEveryBytes = 64 * 1024 * 1024;

/** The disk would fill: not the entry's fault, so a plain miss, never an unusable entry. */
export class DiskSpaceError extends Error {
  override readonly name = 'DiskSpaceError';
}

/**
 * Guards the staging locations of one restore: `before` refuses an extraction that would leave
 * less than the margin free, counting the tar stream's recorded size as the bytes to come;
 * `progress` re-checks every SpaceCheckEveryBytes without holding up the stream and reports a
 * shortage through `onShortage`, which stops the extraction.
 */
export class SpaceGuard {
  private checkedAt = 0;
  private running = false;
  private stopped = false;

  constructor(
    private readonly dirs: readonly string[],
    private readonly margin: SpaceMargin,
    private readonly onShortage: (err: DiskSpaceError) => void,
  ) {}

  /** Throws DiskSpaceError when `expectedBytes` (unknown: 0) would take a location below the margin. */
  async before(expectedBytes = 0): Promise<void> {
    for (const dir of new Set(this.dirs)) await this.check(dir, expectedBytes);
  }

  /** Call with the tar stream's bytes so far; cheap, checks at most once per interval. */
  readonly progress = (streamBytes: number): void => {
    if (this.stopped || this.running || streamBytes - this.checkedAt < SpaceCheckEveryBytes) return;
    this.checkedAt = streamBytes;
    this.running = true;
    this.before(0).then(
      () => {
        this.running = false;
      },
      (err: unknown) => {
        this.running = false;
        // A statfs that fails says nothing about space: only a shortage stops the restore.
        if (err instanceof DiskSpaceError && !this.stopped) {
          this.stopped = true;
          this.onShortage(err);
        }
      },
    );
  };

  private async check(dir: string, expectedBytes: number): Promise<void> {
    const st = await (this.margin.statfs ?? realStatfs)(dir);
    const free = st.bavail * st.bsize;
    const keep = Math.max(this.margin.minBytes, this.margin.fraction * st.blocks * st.bsize);
    if (free - expectedBytes < keep) {
      const need = expectedBytes ? `${formatBytes(expectedBytes)} to unpack, ` : '';
      throw new DiskSpaceError(
        `not restoring: ${dir} has ${formatBytes(free)} free, ${need}and a restore leaves at least ${formatBytes(keep)} free`,
      );
    }
  }
}

async function realStatfs(dir: string): Promise<{ bavail: number; bsize: number; blocks: number }> {
  const st = await fsStatfs(dir);
  return { bavail: st.bavail, bsize: st.bsize, blocks: st.blocks };
}
