import type { Stats } from 'node:fs';
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  realpath,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
  utimes,
} from 'node:fs/promises';
import * as path from 'node:path';

import { UnsafeArchiveError } from '../errors.js';
import { isInside } from './member-policy.js';
import { sameMount } from './mounts.js';
import { STAGING_PREFIX } from './tar-args.js';

export { STAGING_PREFIX };

interface StagedRoot {
  /** The declared path. */
  root: string;
  /** The directory we made to stage in: beside the root, or inside it when it is a directory. */
  stageDir: string;
  /** Where the root's tree is staged (`stageDir/root`). */
  staged: string;
  /** The nearest directory that existed before we staged, and its times, restored on discard. */
  touched?: { dir: string; atime: number; mtime: number };
  /** The first directory we had to create to stage beside the root, removed on discard. */
  createdParent?: string;
}

type Op = () => Promise<unknown>;

/**
 * The staging half of a restore: one private directory per declared path on the same filesystem
 * (inside it when it exists as a directory, beside it otherwise), where tar extracts. Nothing
 * reaches a declared path until `commit`, which the caller runs only after the archive's size
 * and sha256 matched: a fresh path is one rename; an existing directory is merged entry by entry
 * with the result of extracting over it (existing files and symlinks below it are replaced,
 * never written through). `discard` removes every trace of a restore that did not commit.
 */
export class Staging {
  private committed = false;

  private constructor(
    private readonly roots: StagedRoot[],
    /** The declared paths in their given and their real spelling: where links may lead. */
    private readonly accepted: string[],
  ) {}

  /**
   * `scratch` is the run's private temp directory: staging goes there when it is on the same
   * filesystem as a declared path (the usual runner layout), so a failed restore touches
   * nothing of the user's; otherwise beside or inside the declared path.
   */
  static async prepare(declared: readonly string[], scratch?: string): Promise<Staging> {
    const given = declared.map((d) => path.resolve(d));
    const real = await Promise.all(given.map(canonicalPath));
    const staging = new Staging([], [...new Set([...given, ...real])]);
    const scratchDev = scratch ? (await stat(scratch)).dev : undefined;
    try {
      for (const root of outermost(declared)) {
        staging.roots.push(await stageFor(root, scratch, scratchDev));
      }
    } catch (err) {
      await staging.discard();
      throw err;
    }
    return staging;
  }

  /** The directories staged into: where free space is checked. */
  locations(): string[] {
    return this.roots.map((r) => r.stageDir);
  }

  /** The staged path for `abs`, which lies inside a declared path. */
  place(abs: string): string {
    for (const r of this.roots) {
      if (isInside(r.root, abs)) {
        const rest = abs.slice(r.root.length);
        if (rest === '') return r.staged;
        return rest.startsWith(path.sep) ? r.staged + rest : r.staged + path.sep + rest;
      }
    }
    throw new UnsafeArchiveError(`${abs} is outside the declared paths`);
  }

  /**
   * Moves every staged tree into place. `dirModes` maps staged directories that had a member of
   * their own to the permission bits it carried (tar wrote them with owner rwx). Every conflict
   * is found before anything moves.
   */
  async commit(dirModes: ReadonlyMap<string, number>): Promise<void> {
    const ops: Op[] = [];
    const after: Op[] = [];
    for (const r of this.roots) {
      const staged = await lstatOrUndefined(r.staged);
      if (!staged) continue;
      await planRoot(r, staged, { dirModes, accepted: this.accepted }, ops, after);
    }
    for (const op of ops) await op();
    this.committed = true;
    for (const r of this.roots) await rm(r.stageDir, { recursive: true, force: true });
    for (const op of after) await op();
    // Restrictive modes last and deepest first: a read-only directory must not block the moves.
    const restricted = [...dirModes]
      .filter(([, mode]) => (mode & 0o700) !== 0o700)
      .map(([p, mode]) => [this.finalPath(p), mode] as const)
      .sort(([a], [b]) => b.length - a.length);
    for (const [p, mode] of restricted) await chmod(p, withUmask(mode));
  }

  /** Removes what was staged and restores the times of the directories staging touched. */
  async discard(): Promise<void> {
    if (this.committed) return;
    // Last staged first: a parent the first root created may hold the later roots' staging.
    for (const r of this.roots.splice(0).reverse()) {
      await rm(r.stageDir, { recursive: true, force: true });
      if (r.createdParent) {
        for (let p = path.dirname(r.root); isInside(r.createdParent, p); p = path.dirname(p)) {
          if (
            !(await rmdir(p).then(
              () => true,
              () => false,
            ))
          )
            break;
        }
      }
      if (r.touched) await utimes(r.touched.dir, r.touched.atime, r.touched.mtime).catch(noop);
    }
  }

  private finalPath(staged: string): string {
    for (const r of this.roots) {
      if (isInside(r.staged, staged)) return path.join(r.root, path.relative(r.staged, staged));
    }
    return staged;
  }
}

/** Declared paths with those inside another one dropped. */
function outermost(declared: readonly string[]): string[] {
  const sorted = [...new Set(declared.map((d) => path.resolve(d)))].sort(
    (a, b) => a.length - b.length,
  );
  const out: string[] = [];
  for (const d of sorted) if (!out.some((o) => isInside(o, d))) out.push(d);
  return out;
}

async function stageFor(
  root: string,
  scratch: string | undefined,
  scratchDev: number | undefined,
): Promise<StagedRoot> {
  let existing = root;
  while (!(await lstatOrUndefined(existing)) && path.dirname(existing) !== existing) {
    existing = path.dirname(existing);
  }
  // The declared path itself is the user's: a symlink there is followed, as tar would.
  const st = await stat(existing).catch(() => {
    throw new UnsafeArchiveError(`the declared path ${existing} is a dangling symlink`);
  });
  if (
    scratch &&
    scratchDev !== undefined &&
    (await sameMount(scratch, existing, scratchDev, st.dev))
  ) {
    const stageDir = await mkdtemp(path.join(scratch, STAGING_PREFIX));
    return { root, stageDir, staged: path.join(stageDir, 'root') };
  }
  // In seconds with the fraction: a Date would round to milliseconds.
  const touched = { dir: existing, atime: st.atimeMs / 1000, mtime: st.mtimeMs / 1000 };
  if (existing === root && st.isDirectory()) {
    const stageDir = await mkdtemp(path.join(root, STAGING_PREFIX));
    return { root, stageDir, staged: path.join(stageDir, 'root'), touched };
  }
  const parent = path.dirname(root);
  const createdParent = await mkdir(parent, { recursive: true });
  const stageDir = await mkdtemp(path.join(parent, STAGING_PREFIX)).catch(async (err: unknown) => {
    if (createdParent) await rm(createdParent, { recursive: true, force: true });
    throw err;
  });
  return { root, stageDir, staged: path.join(stageDir, 'root'), touched, createdParent };
}

async function planRoot(
  r: StagedRoot,
  staged: Stats,
  opts: { dirModes: ReadonlyMap<string, number>; accepted: string[] },
  ops: Op[],
  after: Op[],
): Promise<void> {
  const { dirModes, accepted } = opts;
  const dest = await lstatOrUndefined(r.root);
  if (!dest) {
    ops.push(
      () => mkdir(path.dirname(r.root), { recursive: true }),
      () => rename(r.staged, r.root),
    );
    return;
  }
  const destIsDir = (await stat(r.root).catch(() => undefined))?.isDirectory() ?? false;
  if (destIsDir && staged.isDirectory()) {
    const stageDev = (await stat(r.stageDir)).dev;
    const ctx = { stageDir: r.stageDir, stageDev, dirModes, accepted };
    // A read-only declared directory would block the moves into it (unless we are root).
    const rootMode = (await stat(r.root)).mode & 0o777;
    const unlock = !asRoot() && (rootMode & 0o300) !== 0o300;
    if (unlock) ops.push(() => chmod(r.root, rootMode | 0o700));
    await planMerge(r.staged, r.root, ctx, ops);
    const mode = dirModes.get(r.staged);
    if (mode !== undefined) after.push(() => setDirMeta(r.root, mode, staged));
    else if (unlock) after.push(() => chmod(r.root, rootMode));
    return;
  }
  if (destIsDir) {
    throw conflict(r.root, 'is a directory on disk but not in the cache');
  }
  // A file (or a symlink to one) at the declared path is replaced, not written through.
  if (staged.isDirectory()) ops.push(() => unlink(r.root));
  ops.push(() => rename(r.staged, r.root));
}

interface MergeContext {
  stageDir: string;
  stageDev: number;
  dirModes: ReadonlyMap<string, number>;
  accepted: string[];
}

/** Root moves into read-only directories and gets modes without the umask, as tar does. */
function asRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Plans moving the children of staged directory `src` into existing directory `dest`. */
async function planMerge(src: string, dest: string, ctx: MergeContext, ops: Op[]): Promise<void> {
  for (const entry of await readdir(src, { withFileTypes: true })) {
    const s = path.join(src, entry.name);
    const d = path.join(dest, entry.name);
    if (d === ctx.stageDir) throw conflict(d, 'collides with the staging directory');
    const existing = await lstatOrUndefined(d);
    if (!existing) {
      ops.push(() => rename(s, d));
    } else if (entry.isDirectory() && existing.isDirectory()) {
      if (existing.dev !== ctx.stageDev) throw conflict(d, 'is on another filesystem (a mount)');
      const own = await lstat(s);
      // A read-only directory on disk would block the moves into it (unless we are root).
      const unlock = !asRoot() && (existing.mode & 0o300) !== 0o300;
      if (unlock) ops.push(() => chmod(d, (existing.mode & 0o777) | 0o700));
      await planMerge(s, d, ctx, ops);
      // The cache's own directory member decides mode and mtime, as tar -x would.
      const mode = ctx.dirModes.get(s);
      if (mode !== undefined) ops.push(() => setDirMeta(d, mode, own));
      else if (unlock) ops.push(() => chmod(d, existing.mode & 0o777));
    } else if (entry.isDirectory()) {
      // A file or symlink where the cache has a directory is replaced, as tar does with a
      // directory member; a symlink that leads outside is refused, because tar -x would write
      // through it for members under it.
      if (existing.isSymbolicLink()) await refuseOutsideLink(d, ctx.accepted);
      ops.push(
        () => unlink(d),
        () => rename(s, d),
      );
    } else if (existing.isDirectory()) {
      if ((await readdir(d)).length > 0) {
        throw conflict(d, 'is a non-empty directory on disk but not a directory in the cache');
      }
      ops.push(
        () => rmdir(d),
        () => rename(s, d),
      );
    } else {
      ops.push(() => rename(s, d));
    }
  }
}

async function refuseOutsideLink(link: string, accepted: string[]): Promise<void> {
  const target = await realpath(link).catch(() => undefined);
  if (target === undefined || !accepted.some((r) => isInside(r, target))) {
    // The user's tree, not the cache entry, is at odds: a plain error, not an unusable entry.
    throw new Error(
      `refusing to restore over ${link}: an existing symlink to ${target ?? 'nowhere'}, ` +
        'outside the declared paths',
    );
  }
}

/** `p` with its longest existing prefix replaced by that prefix's realpath. */
export async function canonicalPath(p: string): Promise<string> {
  const rest: string[] = [];
  for (let cur = path.resolve(p); ; cur = path.dirname(cur)) {
    try {
      return path.join(await realpath(cur), ...rest.reverse());
    } catch {
      if (path.dirname(cur) === cur) return path.resolve(p);
      rest.push(path.basename(cur));
    }
  }
}

async function setDirMeta(dir: string, mode: number, from: Stats): Promise<void> {
  await chmod(dir, withUmask(mode));
  await utimes(dir, from.atime, from.mtime);
}

/** A mode as tar -x applies it: the umask counts unless we are root. */
export function withUmask(mode: number): number {
  // process.umask() with no argument only reads it.
  return asRoot() ? mode : mode & ~process.umask();
}

function conflict(p: string, why: string): Error {
  return new Error(`cannot restore over ${p}: it ${why}`);
}

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function noop(): void {}
