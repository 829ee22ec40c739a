import { lstat, realpath } from 'node:fs/promises';
import * as path from 'node:path';

import { UnsafeArchiveError } from '../errors.js';
import { describeEntryType, type TarEntry } from './tar-entries.js';

export interface MemberPolicyOptions {
  /** Absolute directory member names are resolved against (tar's -C). */
  workspace: string;
  /** Absolute directories (or files) members may land in. */
  allowedRoots: readonly string[];
  /**
   * Compare names case- and normalization-insensitively when tracking symlinks, as the default
   * filesystems of macOS and Windows do; otherwise `Evil -> /etc` then `evil/x` slips through.
   */
  foldCase?: boolean;
}

/** A path whose existing components must be vetted on disk, and the member that needs it. */
export interface DiskCheck {
  path: string;
  member: string;
}

/** Whether `p` is `root` or lies below it (both absolute, normalized). */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

function refuse(name: string, why: string): UnsafeArchiveError {
  return new UnsafeArchiveError(`refusing to extract archive member '${name}': ${why}`);
}

/**
 * Decides, member by member and in archive order, whether an archive may be extracted with
 * `tar -P`. Pure: it never touches the filesystem, but collects the on-disk paths that
 * `checkOnDisk` must vet afterwards.
 *
 * Names are resolved lexically, which matches what the kernel does only while no `..` follows
 * a symlink; so `..` is accepted only as a leading run (how paths outside the workspace are
 * stored), and every later component is checked against symlinks the archive itself made.
 */
export class MemberPolicy {
  private readonly workspace: string;
  private readonly roots: string[];
  private readonly foldCase: boolean;
  /** Keys of every path an earlier member made a symlink. */
  private readonly symlinks = new Set<string>();
  private readonly disk = new Map<string, string>();

  constructor(opts: MemberPolicyOptions) {
    this.workspace = path.resolve(opts.workspace);
    this.roots = opts.allowedRoots.map((r) => path.resolve(r));
    this.foldCase = opts.foldCase ?? false;
  }

  /** Throws UnsafeArchiveError, naming the member, if `entry` must not be extracted. */
  check(entry: TarEntry): void {
    const { name } = entry;
    if (entry.type === 'other') {
      throw refuse(name, `${describeEntryType(entry)} members are not allowed`);
    }
    const abs = this.resolveName(name, name, 'member name');
    this.refuseThroughSymlink(name, abs);
    if (entry.type === 'dir' && this.symlinks.has(this.key(abs))) {
      throw refuse(name, 'a directory over a symlink made by an earlier member');
    }

    if (entry.type === 'hardlink') {
      const target = this.resolveName(name, entry.linkName, 'hard link target');
      this.refuseThroughSymlink(name, target);
      // link(2) follows symlinks on some systems (macOS), so a link to one is refused too.
      if (this.symlinks.has(this.key(target))) {
        throw refuse(name, `hard link to '${entry.linkName}', a symlink made by an earlier member`);
      }
      this.needsDiskCheck(target, name);
    }
    if (entry.type === 'symlink') this.symlinks.add(this.key(abs));
    // tar replaces an existing file or symlink at the member's own path, but writes through
    // any symlinked parent (and may keep a symlink where a directory is expected).
    this.needsDiskCheck(entry.type === 'dir' ? abs : path.dirname(abs), name);
  }

  /**
   * Absolute paths whose existing on-disk components below their allowed root must not be
   * symlinks that lead outside the roots (see `checkOnDisk`). One entry per distinct path.
   */
  onDiskChecks(): DiskCheck[] {
    return [...this.disk].map(([p, member]) => ({ path: p, member }));
  }

  private needsDiskCheck(p: string, member: string): void {
    if (!this.disk.has(p)) this.disk.set(p, member);
  }

  private resolveName(member: string, name: string, what: string): string {
    if (name === '') throw refuse(member, `empty ${what}`);
    if (path.isAbsolute(name) || /^[A-Za-z]:/.test(name) || name.startsWith('\\')) {
      throw refuse(member, `${what} '${name}' is absolute`);
    }
    const segments = name.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
    const firstOther = segments.findIndex((s) => s !== '..');
    if (firstOther !== -1 && segments.indexOf('..', firstOther) !== -1) {
      throw refuse(member, `${what} '${name}' has '..' after a directory name`);
    }
    const abs = path.resolve(this.workspace, name);
    if (!this.roots.some((r) => isInside(r, abs))) {
      throw refuse(member, `${what} '${name}' resolves to ${abs}, outside the declared paths`);
    }
    return abs;
  }

  private refuseThroughSymlink(member: string, abs: string): void {
    if (this.symlinks.size === 0) return;
    for (let p = path.dirname(abs); ; p = path.dirname(p)) {
      if (this.symlinks.has(this.key(p))) {
        throw refuse(member, `written through '${p}', a symlink made by an earlier member`);
      }
      if (path.dirname(p) === p) return;
    }
  }

  private key(p: string): string {
    return this.foldCase ? p.normalize('NFC').toLowerCase() : p;
  }
}

/** Runs every entry through a fresh MemberPolicy; returns it for `onDiskChecks`. */
export function checkMembers(entries: Iterable<TarEntry>, opts: MemberPolicyOptions): MemberPolicy {
  const policy = new MemberPolicy(opts);
  for (const e of entries) policy.check(e);
  return policy;
}

/** `p` with its longest existing prefix replaced by that prefix's realpath. */
export async function canonicalPath(p: string): Promise<string> {
  const abs = path.resolve(p);
  const rest: string[] = [];
  for (let cur = abs; ; cur = path.dirname(cur)) {
    try {
      return path.join(await realpath(cur), ...rest.reverse());
    } catch {
      if (path.dirname(cur) === cur) return abs;
      rest.push(path.basename(cur));
    }
  }
}

/**
 * The filesystem half of the policy: for each path, walks its existing components below the
 * (innermost) allowed root that contains it, and refuses when one is a symlink whose target lies
 * outside every root (lexical or canonical). The roots themselves are trusted: they are where
 * the user asked the cache to go. A dangling symlink is refused, since tar may create its target.
 */
export async function checkOnDisk(
  checks: Iterable<DiskCheck>,
  allowedRoots: readonly string[],
): Promise<void> {
  const roots = allowedRoots.map((r) => path.resolve(r));
  const accepted = [...new Set([...roots, ...(await Promise.all(roots.map(canonicalPath)))])];
  const verified = new Set<string>();
  const missing = new Set<string>();

  for (const { path: p, member } of checks) {
    const root = roots
      .filter((r) => isInside(r, p))
      .reduce<string | undefined>((a, b) => (a && a.length >= b.length ? a : b), undefined);
    if (root === undefined) throw refuse(member, `${p} is outside the declared paths`);
    let cur = root;
    for (const seg of path.relative(root, p).split(path.sep).filter(Boolean)) {
      cur = path.join(cur, seg);
      if (verified.has(cur)) continue;
      if (missing.has(cur)) break;
      let isLink: boolean;
      try {
        isLink = (await lstat(cur)).isSymbolicLink();
      } catch {
        missing.add(cur);
        break;
      }
      if (isLink) {
        let target: string;
        try {
          target = await realpath(cur);
        } catch {
          throw refuse(member, `it would be written through ${cur}, an existing dangling symlink`);
        }
        if (!accepted.some((r) => isInside(r, target))) {
          throw refuse(
            member,
            `it would be written through ${cur}, an existing symlink to ${target} outside the declared paths`,
          );
        }
      }
      verified.add(cur);
    }
  }
}
