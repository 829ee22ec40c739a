import type { Dirent } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

import { PathMatcher } from './path-matcher.js';

const IS_WINDOWS = process.platform === 'win32';

/**
 * The path syntax and home directory patterns are read with: the runner's own, or (in unit
 * tests) Windows' on any host, through path.win32.
 */
export interface PathRules {
  path: path.PlatformPath;
  windows: boolean;
  /** The directory `~` stands for. */
  home: () => string;
  /** Characters that make a segment a glob (on POSIX a backslash escapes, so it counts). */
  globChars: RegExp;
}

/**
 * Rules for `platform`. `~` is USERPROFILE on Windows and HOME elsewhere, read from `env` (the
 * environment this module sees: under jest's module sandbox process.env is a copy that core
 * modules never consult), falling back to os.homedir().
 */
export function pathRules(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): PathRules {
  const windows = platform === 'win32';
  return {
    path: windows ? path.win32 : path.posix,
    windows,
    home: () => (windows ? env.USERPROFILE : env.HOME) || os.homedir(),
    globChars: windows ? /[*?[{]/ : /[*?[{\\]/,
  };
}

/** One `path` line, split into a literal absolute base and the (normalized) pattern below it. */
interface ParsedPattern {
  negate: boolean;
  base: string;
  segments: string[];
  trailingSlash: boolean;
}

/**
 * Parses `path` lines as @actions/glob does (trimmed, blank and `#` lines skipped, each leading
 * `!` toggling negation, `~` for the home directory), but resolves relative patterns against
 * `workspace` instead of process.cwd(). `.` and `..` segments are folded here, because
 * @actions/glob rejects them; a leading `..` run moves the base up.
 */
function parsePatterns(
  patterns: readonly string[],
  workspace: string,
  rules: PathRules = pathRules(),
): ParsedPattern[] {
  const { path } = rules;
  const out: ParsedPattern[] = [];
  for (const raw of patterns.flatMap((p) => p.split('\n'))) {
    let p = raw.trim();
    if (!p || p.startsWith('#')) continue;
    let negate = false;
    while (p.startsWith('!')) {
      negate = !negate;
      p = p.slice(1).trim();
    }
    if (!p) continue;

    let base: string;
    let rest: string;
    if (p === '~' || p.startsWith('~/') || (rules.windows && p.startsWith('~\\'))) {
      base = rules.home();
      rest = p.slice(1);
    } else if (path.isAbsolute(p)) {
      base = path.parse(p).root;
      rest = p.slice(base.length);
    } else {
      base = path.resolve(workspace);
      rest = p;
    }
    // On POSIX a backslash is a glob escape, not a separator.
    const parts = rest.split(rules.windows ? /[\\/]+/ : /\/+/);
    const segments: string[] = [];
    for (const s of parts) {
      if (s === '' || s === '.') continue;
      if (s === '..' && segments.length > 0 && segments[segments.length - 1] !== '..') {
        segments.pop();
      } else {
        segments.push(s);
      }
    }
    while (segments[0] === '..') {
      base = path.dirname(base);
      segments.shift();
    }
    out.push({ negate, base, segments, trailingSlash: /[\\/]$/.test(rest) && segments.length > 0 });
  }
  return out;
}

/** Escapes a literal path for @actions/glob (the same rules as its internal globEscape). */
function globEscape(s: string): string {
  return (IS_WINDOWS ? s : s.replace(/\\/g, '\\\\'))
    .replace(/(\[)(?=[^/]+\])/g, '[[]')
    .replace(/\?/g, '[?]')
    .replace(/\*/g, '[*]');
}

function toGlob(p: ParsedPattern): string {
  const base = globEscape(p.base);
  const joined = p.segments.length
    ? (base.endsWith(path.sep) ? base : base + path.sep) + p.segments.join(path.sep)
    : base;
  return `${p.negate ? '!' : ''}${joined}${p.trailingSlash ? path.sep : ''}`;
}

/**
 * A path's member name: relative to the workspace with '/' separators, `../` outside it. On
 * Windows a path on another drive than the workspace has no relative form and stays absolute.
 */
export function toRelative(ws: string, file: string, rules: PathRules = pathRules()): string {
  const { path } = rules;
  const rel = path.relative(ws, file).split(path.sep).join('/');
  return rel === '' ? '.' : rel;
}

/**
 * The files and directories `patterns` match, as actions/cache lists them for tar: relative to
 * `workspace` with '/' separators (`../`-relative outside it), directories not expanded
 * (tar recurses into them), `!` patterns excluding matches. Deduplicated and sorted.
 *
 * Nothing below a listed directory is listed too: tar already recurses into it, and `deps/**`
 * used to hand tar all 30,000 files of a tree it was archiving anyway, so tar walked it once per
 * level and stored every file again as a hard link to itself. Patterns that are a literal path, or
 * a literal directory followed by `/**`, with no exclusion reaching into them, are answered with
 * one stat each instead of a walk: @actions/glob took seconds to match 30,000 entries.
 */
export async function resolvePaths(patterns: string[], workspace: string): Promise<string[]> {
  const ws = path.resolve(workspace);
  const found = await matchedPaths(parsePatterns(patterns, ws));
  return [...new Set(found.map((f) => toRelative(ws, f)))].sort();
}

/** Absolute paths the patterns match, nothing below a listed real directory; unsorted. */
async function matchedPaths(parsed: ParsedPattern[]): Promise<string[]> {
  if (!parsed.some((p) => !p.negate)) return [];
  const found = (await literalMatches(parsed)) ?? (await globMatches(parsed));
  return [...new Set(await withoutDescendants(found))];
}

async function globMatches(parsed: ParsedPattern[]): Promise<string[]> {
  // Loaded here, not at start-up: only a save expands globs, and a lookup should not pay for it.
  const glob = await import('@actions/glob');
  const globber = await glob.create(parsed.map(toGlob).join('\n'), {
    implicitDescendants: false,
  });
  const found: string[] = [];
  for await (const file of globber.globGenerator()) found.push(file);
  return found;
}

/**
 * What @actions/glob would list, after withoutDescendants, when every pattern is a literal path
 * or a literal directory with `/**`, and no exclusion can reach into one: one stat per pattern.
 * Undefined when a pattern needs the real walk.
 */
async function literalMatches(parsed: ParsedPattern[]): Promise<string[] | undefined> {
  const positive = parsed.filter((p) => !p.negate);
  const literalOf = (p: ParsedPattern): { dir: string; all: boolean } | undefined => {
    const globAt = p.segments.findIndex((s) => GLOB_CHARS.test(s));
    if (globAt === -1)
      return p.trailingSlash ? undefined : { dir: joinBase(p, p.segments), all: false };
    // Only a trailing `**` (everything below, and the directory itself) collapses to the directory.
    if (globAt !== p.segments.length - 1 || p.segments[globAt] !== '**') return undefined;
    return { dir: joinBase(p, p.segments.slice(0, globAt)), all: true };
  };
  const literals = positive.map(literalOf);
  if (literals.some((l) => l === undefined)) return undefined;
  const excluded = parsed.filter((p) => p.negate).map((p) => joinBase(p, literalPrefix(p)));
  const fold = (s: string): string =>
    IS_WINDOWS || process.platform === 'darwin' ? s.toLowerCase() : s;
  const overlaps = (a: string, b: string): boolean => {
    const [x, y] = [fold(a), fold(b)];
    return x === y || isInside(x, y) || isInside(y, x);
  };
  const found: string[] = [];
  for (const l of literals as { dir: string; all: boolean }[]) {
    if (excluded.some((e) => overlaps(e, l.dir))) return undefined;
    let st;
    try {
      // As @actions/glob: symbolic links followed, broken ones omitted.
      st = await stat(l.dir);
    } catch {
      continue;
    }
    if (l.all) {
      // `dir/**` through a symbolic link lists what lies behind it: leave that to the walk.
      if (!st.isDirectory() || !(await lstat(l.dir)).isDirectory()) return undefined;
    }
    found.push(l.dir);
  }
  return found;
}

/** Drops every path that lies below another listed path that is a real directory. */
async function withoutDescendants(files: string[]): Promise<string[]> {
  const listed = new Set(files);
  const isDir = new Map<string, Promise<boolean>>();
  const realDir = (p: string): Promise<boolean> => {
    let r = isDir.get(p);
    if (!r) {
      // A listed symbolic link to a directory is stored as a link: what is below stays listed.
      r = lstat(p).then(
        (st) => st.isDirectory(),
        () => false,
      );
      isDir.set(p, r);
    }
    return r;
  };
  const keep = await Promise.all(
    files.map(async (f) => {
      if (f === path.dirname(f)) return true; // a filesystem root has no parent
      for (let d = path.dirname(f); ; d = path.dirname(d)) {
        if (listed.has(d) && (await realDir(d))) return false;
        if (d === path.dirname(d)) return true;
      }
    }),
  );
  return files.filter((_, i) => keep[i]);
}

/** What tar is given, relative to the workspace as resolvePaths writes names. */
export interface ArchiveList {
  /** Names tar recurses into: no `!` pattern reaches below them. */
  recursive: string[];
  /**
   * Names tar stores as they are (`--no-recursion`): every file, link and directory left in a
   * directory an exclusion reaches into, parents before children.
   */
  exact: string[];
  /** The paths the patterns matched (nested matches collapsed), as `recursive` names them. */
  roots: string[];
}

/**
 * The archive's contents with `!` patterns applied at any depth, as a user reads them: `victim`
 * with `!victim/secret.txt` and a `**` pattern for `*.log` below it leaves out the secret and
 * every log (actions/cache archives them anyway, since tar recurses into `victim`). A matched
 * directory that no exclusion can reach stays one name for tar to recurse into, so the common
 * case costs nothing; one that an exclusion reaches is walked here and listed entry by entry.
 * Nested matches collapse into their matched ancestor, so nothing is archived twice.
 */
export async function resolveArchiveList(
  patterns: string[],
  workspace: string,
): Promise<ArchiveList> {
  const ws = path.resolve(workspace);
  const parsed = parsePatterns(patterns, ws);
  // resolvePaths' matching: literal directories stay one stat, nested matches collapse into
  // their matched ancestor. Only a root an exclusion reaches into is walked below.
  const roots = (await matchedPaths(parsed)).sort();
  const exclusions = parsed.filter((p) => p.negate).map((p) => joinBase(p, literalPrefix(p)));
  const list: ArchiveList = {
    recursive: [],
    exact: [],
    roots: roots.map((r) => toRelative(ws, r)),
  };
  const matcher = exclusions.length ? new PathMatcher(parsed.map(toGlob)) : undefined;
  for (const root of roots) {
    if (!matcher || !exclusions.some((e) => isWithin(e, root) || isWithin(root, e))) {
      list.recursive.push(toRelative(ws, root));
      continue;
    }
    for (const entry of await walkMatching(root, matcher)) list.exact.push(toRelative(ws, entry));
  }
  return list;
}

/**
 * Every name below the workspace-relative `names`, parents first, for a tar that cannot switch
 * recursion on and off within one run (bsdtar's -n is global): there, recursive names are
 * listed out too.
 */
export async function expandNames(names: readonly string[], workspace: string): Promise<string[]> {
  const ws = path.resolve(workspace);
  const everything = new PathMatcher(names.map((n) => globEscape(path.resolve(ws, n))));
  const out: string[] = [];
  for (const n of names) {
    for (const e of await walkMatching(path.resolve(ws, n), everything))
      out.push(toRelative(ws, e));
  }
  return out;
}

/** `root` and what lies below it that `matcher` keeps; excluded directories are skipped whole. */
async function walkMatching(root: string, matcher: PathMatcher): Promise<string[]> {
  const out: string[] = [];
  const visit = async (abs: string, isDir: boolean): Promise<void> => {
    const keep = matcher.matches(abs, isDir);
    if (keep) out.push(abs);
    if (!isDir || (!keep && !matcher.mayMatchBelow(abs))) return;
    let entries: Dirent[];
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch (err) {
      // Removed or unreadable while walking: tar would have warned and gone on, and so do we.
      if (isGone(err)) return;
      throw err;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) await visit(path.join(abs, e.name), e.isDirectory());
  };
  const st = await lstat(root);
  await visit(root, st.isDirectory());
  return out;
}

function isGone(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** True when `p` is `dir` or lies below it. */
function isWithin(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function joinBase(p: ParsedPattern, segments: string[], rules: PathRules = pathRules()): string {
  return rules.path.join(p.base, ...segments);
}

/** A pattern's segments before the first one with a glob character. */
function literalPrefix(p: ParsedPattern, rules: PathRules = pathRules()): string[] {
  const globAt = p.segments.findIndex((s) => rules.globChars.test(s));
  return globAt === -1 ? p.segments : p.segments.slice(0, globAt);
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

const GLOB_CHARS = IS_WINDOWS ? /[*?[{]/ : /[*?[{\\]/;

/**
 * The absolute literal directory of each non-negated pattern: its path up to the first segment
 * with a glob character (a backslash escape counts as one), e.g. `~/.m2/repository/**` →
 * `$HOME/.m2/repository`. Restore lets members land only below these. Deduplicated and sorted.
 */
export function declaredRoots(
  patterns: string[],
  workspace: string,
  rules: PathRules = pathRules(),
): string[] {
  const roots = new Set<string>();
  for (const p of parsePatterns(patterns, rules.path.resolve(workspace), rules)) {
    if (p.negate) continue;
    roots.add(joinBase(p, literalPrefix(p, rules), rules));
  }
  return [...roots].sort();
}

/** One non-negated `path` line as restore needs it. */
export interface PositivePattern {
  /** Its literal base: the absolute path up to the first glob segment. */
  base: string;
  /** The absolute glob, as @actions/glob and PathMatcher read it. */
  glob: string;
  /** No glob at all, or only a trailing `**`: it matches its base and what lies below. */
  literal: boolean;
}

/** The non-negated patterns of `patterns`, resolved against `workspace`. */
export function positivePatterns(
  patterns: readonly string[],
  workspace: string,
): PositivePattern[] {
  return parsePatterns(patterns, path.resolve(workspace))
    .filter((p) => !p.negate)
    .map((p) => {
      const prefix = literalPrefix(p);
      const rest = p.segments.slice(prefix.length);
      return {
        base: joinBase(p, prefix),
        glob: toGlob(p),
        literal: rest.length === 0 || (rest.length === 1 && rest[0] === '**'),
      };
    });
}
