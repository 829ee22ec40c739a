import { readFileSync } from 'node:fs';

/**
 * Events that run in the default branch's context (its workflow file, its secrets) but that
 * anyone who can open a pull request or write a comment can start.
 */
export const UntrustedEvents = ['pull_request_target', 'issue_comment', 'workflow_run'] as const;

/** Where an untrusted trigger's saves go instead of the ref it runs on. */
export interface UntrustedTrigger {
  event: (typeof UntrustedEvents)[number];
  /** A ref-like scope name only the originating pull request's runs read. */
  saveRef: string;
  /** For logs: "pull request #7", "issue #3", "fork octo/app:main". */
  origin: string;
}

type Json = Record<string, unknown>;

/** The event payload at GITHUB_EVENT_PATH; {} when absent or unreadable (act, hand-run steps). */
export function readEventPayload(eventPath: string | undefined): Json {
  if (!eventPath) return {};
  try {
    const payload = JSON.parse(readFileSync(eventPath, 'utf8')) as unknown;
    return isObject(payload) ? payload : {};
  } catch {
    return {};
  }
}

export function defaultBranchOf(payload: Json): string | undefined {
  const branch = field(payload, 'repository', 'default_branch');
  return typeof branch === 'string' && branch ? branch : undefined;
}

/**
 * For an untrusted event, the scope its saves go to: the pull request's own ref
 * (refs/pull/<n>/merge, which that pull request's `pull_request` runs read first), so nothing it
 * writes reaches a scope that the default branch or other pull requests read. Without a pull
 * request (a comment on an issue, a fork's workflow_run without one), a scope nobody else reads.
 */
export function untrustedTrigger(
  eventName: string | undefined,
  payload: Json,
): UntrustedTrigger | undefined {
  const event = UntrustedEvents.find((e) => e === eventName);
  if (!event) return undefined;
  const pr = (n: unknown): UntrustedTrigger | undefined =>
    Number.isSafeInteger(n) && (n as number) > 0
      ? { event, saveRef: `refs/pull/${n as number}/merge`, origin: `pull request #${n as number}` }
      : undefined;
  const isolated = (what: string, origin: string): UntrustedTrigger => ({
    event,
    saveRef: `refs/untrusted/${event}/${what}`,
    origin,
  });
  switch (event) {
    case 'pull_request_target':
      return (
        pr(field(payload, 'pull_request', 'number')) ??
        pr(payload.number) ??
        isolated('unknown', 'an unknown pull request')
      );
    case 'issue_comment': {
      const n = field(payload, 'issue', 'number');
      if (field(payload, 'issue', 'pull_request') !== undefined) {
        return pr(n) ?? isolated('unknown', 'an unknown pull request');
      }
      const issue = Number.isSafeInteger(n) ? String(n) : 'unknown';
      return isolated(`issue-${issue}`, `issue #${issue}`);
    }
    case 'workflow_run': {
      const run = isObject(payload.workflow_run) ? payload.workflow_run : {};
      const prs = Array.isArray(run.pull_requests) ? run.pull_requests : [];
      const first = prs.find(isObject);
      const fromPr = first ? pr(first.number) : undefined;
      if (fromPr) return fromPr;
      // No pull request listed: GitHub leaves the list empty for forks. A branch of this
      // repository keeps its own scope, unless the triggering run was itself untrusted (its head
      // branch is then the default branch); a fork's branch (it may well be called main) gets a
      // scope named after the fork, which nothing here reads.
      const branch = typeof run.head_branch === 'string' ? run.head_branch : '';
      const head = field(run, 'head_repository', 'full_name');
      const self = field(payload, 'repository', 'full_name');
      const chained = UntrustedEvents.some((e) => e === run.event);
      if (branch && !chained && typeof head === 'string' && head === self) {
        return { event, saveRef: `refs/heads/${branch}`, origin: `branch ${branch}` };
      }
      const fork = typeof head === 'string' ? head : 'unknown';
      return isolated(`${fork}:${branch || 'unknown'}`, `fork ${fork}:${branch || '?'}`);
    }
  }
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(o: Json, a: string, b: string): unknown {
  const inner = o[a];
  return isObject(inner) ? inner[b] : undefined;
}
