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
 */
export async function resolvePaths(patterns: string[], workspace: string): Promise<string[]> {
  const ws = path.resolve(workspace);
  const parsed = parsePatterns(patterns, ws);
  if (!parsed.some((p) => !p.negate)) return [];
  // Loaded here, not at start-up: only a save expands globs, and a lookup should not pay for it.
  const glob = await import('@actions/glob');
  const globber = await glob.create(parsed.map(toGlob).join('\n'), {
    implicitDescendants: false,
  });
  const found = new Set<string>();
  for await (const file of globber.globGenerator()) {
    const rel = path.relative(ws, file).split(path.sep).join('/');
    found.add(rel === '' ? '.' : rel);
  }
  return [...found].sort();
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
    const firstGlob = p.segments.findIndex((s) => GLOB_CHARS.test(s));
    const literal = firstGlob === -1 ? p.segments : p.segments.slice(0, firstGlob);
    roots.add(path.join(p.base, ...literal));
  }
  return [...roots].sort();
}
