import { Minimatch } from 'minimatch';

const IS_WINDOWS = process.platform === 'win32';
const DIRECTORY = 1;
const FILE = 2;
const ALL = DIRECTORY | FILE;

interface Compiled {
  negate: boolean;
  /** 1 = directories only (a trailing slash), 3 = anything. */
  kind: number;
  /** The pattern ends in `**` and was written so: `/a/**` matches `/a` itself too. */
  globstarEnd: boolean;
  implicit: boolean;
  mm: Minimatch;
}

/**
 * Decides path by path what @actions/glob decides with `implicitDescendants: true`: patterns in
 * order, each matching its own paths and (through an implicit `/**` twin) everything below them,
 * a `!` pattern switching the result off, a later pattern switching it on again. Used to walk
 * the directories an exclusion reaches into, where @actions/glob's own walker is several times
 * slower on large trees. Patterns are absolute globs as paths.ts writes them for @actions/glob.
 */
export class PathMatcher {
  private readonly patterns: Compiled[] = [];

  constructor(globs: readonly string[]) {
    for (const raw of globs) {
      let p = raw.trim();
      let negate = false;
      while (p.startsWith('!')) {
        negate = !negate;
        p = p.slice(1).trim();
      }
      if (IS_WINDOWS) p = p.replace(/\\/g, '/');
      const trailing = p.endsWith('/') && p.length > 1;
      if (trailing) p = p.replace(/\/+$/, '');
      const globstarEnd = p.split('/').pop() === '**';
      this.patterns.push(compile(p, negate, trailing ? DIRECTORY : ALL, globstarEnd, false));
      // @actions/glob adds the descendants twin unless the pattern already ends in `**`.
      if (trailing || !globstarEnd) {
        this.patterns.push(compile(`${p === '/' ? '' : p}/**`, negate, ALL, true, true));
      }
    }
  }

  /** Whether `absPath` (a directory when `isDir`) belongs in the archive. */
  matches(absPath: string, isDir: boolean): boolean {
    const kind = this.evaluate(absPath).kind;
    return (kind & (isDir ? DIRECTORY : FILE)) !== 0;
  }

  /**
   * Whether anything below the excluded directory `absDir` can be matched again: only a positive
   * pattern after the exclusion that last matched it can, so usually the walk skips the subtree.
   */
  mayMatchBelow(absDir: string): boolean {
    const { lastNegation } = this.evaluate(absDir);
    const probe = toMatchPath(absDir);
    return this.patterns.some((p, i) => i > lastNegation && !p.negate && p.mm.match(probe, true));
  }

  private evaluate(absPath: string): { kind: number; lastNegation: number } {
    const plain = toMatchPath(absPath);
    let kind = 0;
    let lastNegation = -1;
    this.patterns.forEach((p, i) => {
      // @actions/glob's quirk, kept: `/a/**` (as written) matches `/a` itself.
      const subject = p.globstarEnd && !p.implicit ? `${plain}/` : plain;
      if (!p.mm.match(subject)) return;
      if (p.negate) {
        kind &= ~p.kind;
        lastNegation = i;
      } else {
        kind |= p.kind;
      }
    });
    return { kind, lastNegation };
  }
}

function compile(
  pattern: string,
  negate: boolean,
  kind: number,
  globstarEnd: boolean,
  implicit: boolean,
): Compiled {
  // The options @actions/glob gives minimatch, so both read a pattern the same way.
  const mm = new Minimatch(pattern, {
    dot: true,
    nobrace: true,
    nocase: IS_WINDOWS,
    nocomment: true,
    noext: true,
    nonegate: true,
  });
  return { negate, kind, globstarEnd, implicit, mm };
}

function toMatchPath(p: string): string {
  const s = IS_WINDOWS ? p.replace(/\\/g, '/') : p;
  return s.length > 1 ? s.replace(/\/+$/, '') : s;
}
