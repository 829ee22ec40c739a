import type { RunContext } from '../context.js';
import type { Scope } from '../settings.js';
import type { ScopeName } from './layout.js';

/**
 * Scopes a restore reads, in order: GitHub's rule of the current ref, then the pull request's
 * base branch, then the default branch. A pull request can read what main wrote but never
 * write where main reads, because saves go only to the current ref (saveScope).
 */
export function restoreScopes(scope: Scope, ctx: RunContext): ScopeName[] {
  if (scope === 'repository') return [{ kind: 'repository' }];
  const refs = [ctx.ref, ctx.baseRef, ctx.defaultRef].filter((r): r is string => Boolean(r));
  return [...new Set(refs)].map((ref) => ({ kind: 'ref', ref }));
}

/**
 * The one scope a save writes: the current ref's, or the shared repository scope. A run started
 * by an untrusted trigger writes its pull request's scope instead, whatever `scope` says, unless
 * allow-untrusted-save opts back in.
 */
export function saveScope(scope: Scope, ctx: RunContext, allowUntrusted = false): ScopeName {
  if (ctx.untrusted && !allowUntrusted) return { kind: 'ref', ref: ctx.untrusted.saveRef };
  return scope === 'repository' ? { kind: 'repository' } : { kind: 'ref', ref: ctx.ref };
}
