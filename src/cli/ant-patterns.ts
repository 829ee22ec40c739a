import { UsageError } from './args.js';

/**
 * CloudBees' writeCache takes `includes` and `excludes` as comma-separated Ant patterns relative
 * to the working directory (`maven-repo/**`, `**\/node_modules/**`, `**SNAPSHOT**`). These become
 * `path` lines that select the same files: includes as patterns, excludes as `!` patterns after
 * them, which apply at any depth. A trailing `/**` becomes the directory itself (tar takes
 * everything below it), a trailing `/` means `/**` as in Ant, `[` is literal as in Ant, and `**`
 * inside a name (`**SNAPSHOT**`) matches across directories, as CloudBees documents it ("all
 * files except those whose relative paths contain SNAPSHOT").
 */
export function antPatternsToPaths(includes: string, excludes: string): string[] {
  return [
    ...split(includes, '--includes').map((p) => toGlob(p, '--includes')),
    ...split(excludes, '--excludes').map((p) => `!${toGlob(p, '--excludes')}`),
  ];
}

function split(list: string, flag: string): string[] {
  const patterns = list
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of patterns) {
    if (/^([\\/]|[A-Za-z]:)/.test(p) || p.startsWith('~')) {
      throw new UsageError(
        `${flag} takes patterns relative to the working directory, as CloudBees' writeCache does; got ${JSON.stringify(p)}. Use --workspace DIR (like dir('DIR') { ... }) or --path for an absolute path`,
      );
    }
  }
  return patterns;
}

function toGlob(pattern: string, flag: string): string {
  let p = pattern.replace(/\\/g, '/');
  if (p.endsWith('/')) p += '**';
  const segments = p
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .flatMap((s): string[] => {
      if (s === '..') {
        throw new UsageError(
          `${flag} patterns cannot leave the working directory; got ${JSON.stringify(pattern)}`,
        );
      }
      const literalBrackets = s.replace(/\[/g, '[[]');
      if (s === '**' || !s.includes('**')) return [literalBrackets];
      // `**` inside a name: a leading one reaches into any directory, and each stands for `*`.
      const name = literalBrackets.replace(/\*{2,}/g, '*');
      return s.startsWith('**') ? ['**', name] : [name];
    });
  // `dir/**` is `dir` with everything below it, which tar takes by recursing: one name, not a walk.
  while (segments.length && segments[segments.length - 1] === '**') segments.pop();
  return segments.length ? segments.join('/') : '.';
}
