import * as path from 'node:path';

/**
 * The path lines as a restore by key on another runner should read them: an absolute line inside
 * the workspace (`$WORKSPACE/maven-repo`, `/harness/src`) becomes workspace-relative, because its
 * members are stored relative to the workspace and another runner's workspace is elsewhere.
 * Relative lines, `~` lines and absolute lines outside the workspace stay as written. Undefined
 * when nothing changes, so the manifest carries no copy of `paths`.
 */
export function portablePaths(paths: readonly string[], workspace: string): string[] | undefined {
  const ws = path.resolve(workspace);
  let changed = false;
  const out = paths.map((line) => {
    const trimmed = line.trim();
    const bang = /^(!\s*)*/.exec(trimmed)![0];
    const rest = trimmed.slice(bang.length);
    if (!path.isAbsolute(rest)) return line;
    const rel = path.relative(ws, path.normalize(rest));
    if (rel.startsWith('..') || path.isAbsolute(rel)) return line;
    changed = true;
    const tail = /[\\/]$/.test(rest) && rel !== '' ? '/' : '';
    return `${bang}${rel === '' ? '.' : rel.split(path.sep).join('/')}${tail}`;
  });
  return changed ? out : undefined;
}
