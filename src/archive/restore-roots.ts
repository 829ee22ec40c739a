import * as path from 'node:path';

import { UnsafeArchiveError } from '../errors.js';
import { isInside } from './member-policy.js';
import { PathMatcher } from './path-matcher.js';
import { declaredRoots, positivePatterns } from './paths.js';

/** Where a restore stages, and where its members may land. */
export interface RestoreRoots {
  /** The literal bases of the declared paths: staging directories are made for these. */
  staging: string[];
  /** Where members may land: the bases, narrowed to the matched roots for glob patterns. */
  members: string[];
}

/**
 * The roots of a restore. A literal path (or `dir/**`) allows its own base. A glob (node_modules
 * at any depth) would allow its whole literal base (the workspace), so when the manifest
 * recorded what the patterns matched at save (`recorded`, relative to the workspace as member
 * names are), only those matched paths are allowed for it. The manifest is untrusted: every
 * recorded root must itself match a declared pattern, or the entry is refused. Entries without a
 * record restore as before, below the literal bases.
 */
export function restoreRoots(
  patterns: readonly string[],
  workspace: string,
  recorded: readonly string[] | undefined,
): RestoreRoots {
  const staging = declaredRoots([...patterns], workspace);
  const positive = positivePatterns(patterns, workspace);
  if (recorded === undefined || positive.every((p) => p.literal)) {
    return { staging, members: staging };
  }
  const ws = path.resolve(workspace);
  const matcher = new PathMatcher(positive.map((p) => p.glob));
  const members = new Set(positive.filter((p) => p.literal).map((p) => p.base));
  for (const rel of recorded) {
    const abs = path.resolve(ws, rel);
    const allowed =
      staging.some((s) => isInside(s, abs)) &&
      (matcher.matches(abs, true) || matcher.matches(abs, false));
    if (!allowed) {
      throw new UnsafeArchiveError(
        `the entry's manifest records the root ${JSON.stringify(rel)}, which none of the declared paths match: refusing it`,
      );
    }
    members.add(abs);
  }
  return { staging, members: [...members].sort() };
}
