import { lstat, stat } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

const IS_WINDOWS = process.platform === 'win32';

// What os.homedir() returns, read from the environment this module sees (under jest's module
// sandbox process.env is a copy that core modules never consult).
function homeDir(): string {
  return (IS_WINDOWS ? process.env.USERPROFILE : process.env.HOME) || os.homedir();
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
function parsePatterns(patterns: readonly string[], workspace: string): ParsedPattern[] {
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
    if (p === '~' || p.startsWith('~/') || (IS_WINDOWS && p.startsWith('~\\'))) {
      base = homeDir();
      rest = p.slice(1);
    } else if (path.isAbsolute(p)) {
      base = path.parse(p).root;
      rest = p.slice(base.length);
    } else {
      base = path.resolve(workspace);
      rest = p;
    }
    // On POSIX a backslash is a glob escape, not a separator.
    const parts = rest.split(IS_WINDOWS ? /[\\/]+/ : /\/+/);
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
  const parsed = parsePatterns(patterns, ws);
  if (!parsed.some((p) => !p.negate)) return [];
  const found = (await literalMatches(parsed)) ?? (await globMatches(parsed));
  const rel = [...new Set(await withoutDescendants(found))].map((file) => {
    const r = path.relative(ws, file).split(path.sep).join('/');
    return r === '' ? '.' : r;
  });
  return [...new Set(rel)].sort();
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

function joinBase(p: ParsedPattern, segments: string[]): string {
  return path.join(p.base, ...segments);
}

/** A pattern's segments before the first one with a glob character. */
function literalPrefix(p: ParsedPattern): string[] {
  const globAt = p.segments.findIndex((s) => GLOB_CHARS.test(s));
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
export function declaredRoots(patterns: string[], workspace: string): string[] {
  const roots = new Set<string>();
  for (const p of parsePatterns(patterns, path.resolve(workspace))) {
    if (p.negate) continue;
    roots.add(joinBase(p, literalPrefix(p)));
  }
  return [...roots].sort();
}
