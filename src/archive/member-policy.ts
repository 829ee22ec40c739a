import * as path from 'node:path';

import { UnsafeArchiveError } from '../errors.js';
import type { ParsedMember } from './tar-parser.js';
import { windowsNameProblem } from './windows-names.js';

export interface MemberPolicyOptions {
  /** Absolute directory member names are relative to (the workspace at save time). */
  workspace: string;
  /** Absolute directories (or files) members may land in: the declared paths. */
  allowedRoots: readonly string[];
  /**
   * Compare names case- and normalization-insensitively, as the default filesystems of macOS
   * and Windows do; otherwise `Evil -> /etc` then `evil/x` slips through.
   */
  foldCase?: boolean;
  /** On 'win32', names Windows cannot create (`a:b`, `CON`, `x.`) are refused. */
  platform?: NodeJS.Platform;
}

/** Where a member goes: its absolute path, and a hard link's absolute target. */
export interface Placement {
  path: string;
  linkPath?: string;
}

/** Whether `p` is `root` or lies below it (both absolute and normalized, as path.resolve makes them). */
export function isInside(root: string, p: string): boolean {
  if (!p.startsWith(root)) return false;
  return p.length === root.length || root.endsWith(path.sep) || p[root.length] === path.sep;
}

/**
 * A relative POSIX name with nothing to normalize or refuse: no `.` or `..` segment, no `//`,
 * no backslash, no drive letter (`s`: a newline inside a name must not end the checks).
 */
const PLAIN_NAME = /^(?![A-Za-z]:)(?!\.\.?(?:\/|$))(?!.*\/\.\.?(?:\/|$))(?!.*\/\/)[^\\/][^\\]*$/s;

function refuse(name: string, why: string): UnsafeArchiveError {
  return new UnsafeArchiveError(`refusing to extract archive member '${name}': ${why}`);
}

/**
 * Decides, member by member and in archive order, where each member lands, and refuses an
 * archive that would write outside the declared paths. Pure: it never touches the filesystem,
 * because extraction happens in a fresh staging directory that holds only what earlier members
 * made; what is already on disk is handled when the staged tree is moved into place.
 *
 * Rules: names are relative, with `..` only as a leading run (how paths outside the workspace are
 * stored); they resolve inside a declared path; nothing is written below a symlink or a file an
 * earlier member made; no declared path becomes a symlink; a path keeps one kind (file, directory,
 * symlink) and a symlink appears once; a hard link points at an earlier regular file.
 */
export class MemberPolicy {
  private readonly workspace: string;
  private readonly roots: string[];
  private readonly foldCase: boolean;
  private readonly windows: boolean;
  /** The kind of every path a member made, by key. */
  private readonly kinds = new Map<string, ParsedMember['type']>();
  private readonly rootKeys: Set<string>;
  /** Files and symlinks so far: while none exist, no ancestor walk is needed. */
  private nonDirCount = 0;
  /** Whether a path lies inside an allowed root. */
  private readonly inRoots: (abs: string) => boolean;

  constructor(opts: MemberPolicyOptions) {
    this.workspace = path.resolve(opts.workspace);
    this.roots = opts.allowedRoots.map((r) => path.resolve(r));
    this.foldCase = opts.foldCase ?? false;
    this.windows = opts.platform === 'win32';
    this.rootKeys = new Set(this.roots.map((r) => this.key(r)));
    this.inRoots = rootTest(this.roots);
  }

  /** Throws UnsafeArchiveError, naming the member, if `m` must not be extracted. */
  check(m: ParsedMember): Placement {
    const { name } = m;
    if (this.windows) this.refuseOnWindows(name);
    const abs = this.resolveName(name, name, 'member name');
    this.refuseThroughSymlink(name, abs);
    const key = this.key(abs);
    const kind = m.type === 'hardlink' ? 'file' : m.type;
    const earlier = this.kinds.get(key);
    // The same file or directory again is what tar makes of overlapping paths; anything else
    // (a kind change, a second symlink) is not something our tar writes.
    if (earlier !== undefined && (earlier !== kind || kind === 'symlink')) {
      throw refuse(name, `it would replace a ${describeKind(earlier)} the archive made earlier`);
    }
    if (m.type === 'symlink' && m.linkName === '') throw refuse(name, 'a symlink to nothing');
    if (m.type === 'symlink' && this.rootKeys.has(key)) {
      throw refuse(name, `it would replace the declared path ${abs} with a symlink`);
    }

    let linkPath: string | undefined;
    if (m.type === 'hardlink') {
      linkPath = this.resolveName(name, m.linkName, 'hard link target');
      this.refuseThroughSymlink(name, linkPath);
      if (this.kinds.get(this.key(linkPath)) !== 'file') {
        throw refuse(name, `hard link to '${m.linkName}', which is not an earlier regular file`);
      }
    }
    if (kind !== 'dir') this.nonDirCount++;
    this.kinds.set(key, kind);
    // tar makes missing parents as directories: they count as directories from now on.
    for (let p = path.dirname(abs); path.dirname(p) !== p; p = path.dirname(p)) {
      const k = this.key(p);
      if (this.kinds.has(k)) break;
      this.kinds.set(k, 'dir');
    }
    return linkPath === undefined ? { path: abs } : { path: abs, linkPath };
  }

  private resolveName(member: string, name: string, what: string): string {
    // The common case, a plain relative name, needs no normalizing (on POSIX).
    if (path.sep === '/' && PLAIN_NAME.test(name)) {
      const abs = `${this.workspace === '/' ? '' : this.workspace}/${name}`;
      // The regex is a shortcut, not the proof: the name must already be in normal form.
      if (path.posix.normalize(abs) === abs && this.inRoots(abs)) {
        return abs;
      }
    }
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
    if (!this.inRoots(abs)) {
      throw refuse(member, `${what} '${name}' resolves to ${abs}, outside the declared paths`);
    }
    return abs;
  }

  private refuseOnWindows(name: string): void {
    const problem = windowsNameProblem(name);
    if (problem) {
      throw refuse(
        name,
        `${problem}, which Windows cannot create; this entry was saved on another OS ` +
          `(enableCrossOsArchive) and is not restored here`,
      );
    }
  }

  /** Refuses a path below a symlink or a file an earlier member made. */
  private refuseThroughSymlink(member: string, abs: string): void {
    if (this.nonDirCount === 0) return;
    for (let p = path.dirname(abs); path.dirname(p) !== p; p = path.dirname(p)) {
      const kind = this.kinds.get(this.key(p));
      // A directory stays one (kind changes are refused), and its own ancestors were checked
      // when it was placed: nothing above it needs looking at again.
      if (kind === 'dir') return;
      if (kind === 'symlink') {
        throw refuse(member, `written through '${p}', a symlink made by an earlier member`);
      }
      if (kind === 'file') {
        throw refuse(member, `written below '${p}', a file made by an earlier member`);
      }
    }
  }

  private key(p: string): string {
    return this.foldCase ? p.normalize('NFC').toLowerCase() : p;
  }
}

/**
 * A few roots are scanned; many (the matched roots of a glob, one per node_modules) are looked up
 * by walking the path's ancestors, so a member costs its depth, not the number of roots.
 */
function rootTest(roots: readonly string[]): (abs: string) => boolean {
  if (roots.length <= 8) return (abs) => roots.some((r) => isInside(r, abs));
  const set = new Set(roots);
  return (abs) => {
    for (let p = abs; ; p = path.dirname(p)) {
      if (set.has(p)) return true;
      if (path.dirname(p) === p) return false;
    }
  };
}

function describeKind(kind: ParsedMember['type']): string {
  return kind === 'dir' ? 'directory' : kind === 'symlink' ? 'symlink' : 'file';
}
