import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { type Action, endJob, readAction, runStep } from './action.js';
import type { Measured } from './child.js';
import { cliRestore, cliSave, type S3Store } from './cli.js';

/** One save or restore call of a tool: where, which key, and where its runner files go. */
export interface Call {
  workspace: string;
  /** The declared path, relative to the workspace. */
  path: string;
  key: string;
  restoreKeys?: string[];
  runnerDir: string;
}

export type Restored = Measured & { hit: boolean };

/** A cache tool as the bench measures it: bucket-cache's action or CLI, or a peer action. */
export interface Tool {
  id: string;
  name: string;
  peer: boolean;
  /** What was measured: the peer's repository and commit, or our dist/. */
  source: string;
  save(c: Call): Promise<Measured>;
  restore(c: Call): Promise<Restored>;
}

/** How a peer action is configured for one S3 store: `with:` inputs and environment. */
interface PeerSpec {
  id: string;
  repo: string;
  settings(s: S3Store): { inputs: Record<string, string>; env?: Record<string, string> };
}

const port = (s: S3Store): string => new URL(s.endpoint).port;

/** The peers of issues 7 and 8, each pointed at the bench's s3rver through its own settings. */
export const Peers: PeerSpec[] = [
  {
    // Reads its bucket and endpoint from the environment (src/custom/backend.ts), not inputs.
    id: 'runs-on-cache',
    repo: 'runs-on/cache',
    settings: (s) => ({
      inputs: {},
      env: {
        RUNS_ON_S3_BUCKET_CACHE: s.bucket,
        RUNS_ON_S3_BUCKET_ENDPOINT: s.endpoint,
        RUNS_ON_S3_FORCE_PATH_STYLE: 'true',
        AWS_REGION: s.region,
        AWS_ACCESS_KEY_ID: s.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s.secretAccessKey,
      },
    }),
  },
  {
    // MinIO client: host and port apart, `insecure` for http; no fallback to GitHub's cache.
    id: 'tespkg-actions-cache',
    repo: 'tespkg/actions-cache',
    settings: (s) => ({
      inputs: {
        endpoint: new URL(s.endpoint).hostname,
        port: port(s),
        insecure: 'true',
        region: s.region,
        accessKey: s.accessKeyId,
        secretKey: s.secretAccessKey,
        bucket: s.bucket,
        'use-fallback': 'false',
      },
    }),
  },
  {
    id: 'whywaita-actions-cache-s3',
    repo: 'whywaita/actions-cache-s3',
    settings: (s) => ({
      inputs: {
        'aws-s3-bucket': s.bucket,
        'aws-access-key-id': s.accessKeyId,
        'aws-secret-access-key': s.secretAccessKey,
        'aws-region': s.region,
        'aws-endpoint': s.endpoint,
        'aws-s3-bucket-endpoint': 'false',
        'aws-s3-force-path-style': 'true',
      },
    }),
  },
];

const Root = fileURLToPath(new URL('../../', import.meta.url));

/** bucket-cache's combined action (dist/restore, dist/save), run like the peers. */
export function ourAction(s: S3Store): Tool {
  const inputs = {
    's3-bucket': s.bucket,
    's3-region': s.region,
    's3-endpoint': s.endpoint,
    's3-force-path-style': 'true',
    'aws-access-key-id': s.accessKeyId,
    'aws-secret-access-key': s.secretAccessKey,
  };
  const source = `dist/restore, dist/save ${ourCommit()}`;
  return actionTool('bucket-cache', 'bucket-cache (action)', false, source, readAction(Root), {
    inputs,
  });
}

/** bucket-cache's CLI (dist/cli), as `npm run bench` runs it. */
export function ourCli(store: S3Store): Tool {
  return {
    id: 'bucket-cache-cli',
    name: 'bucket-cache (CLI)',
    peer: false,
    source: `dist/cli ${ourCommit()}`,
    save: (c) => cliSave({ store, workspace: c.workspace, path: c.path, key: c.key }),
    restore: async (c) => {
      const { restoreKeys, key, workspace } = c;
      const r = await cliRestore({ store, workspace, path: c.path, key, restoreKeys });
      return { ...r, hit: r.outputs['cache-hit'] };
    },
  };
}

/** The commit whose dist/ is measured, and whether dist/ differs from it. */
function ourCommit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: Root, encoding: 'utf8' });
  const dirty = git('status', '--porcelain', '--', 'dist').trim() ? ' + uncommitted changes' : '';
  return `of bucket-cache ${git('rev-parse', 'HEAD').trim()}${dirty}`;
}

/** The peers found in `dir` (made by bench/fetch-peers.sh); `skip` hears why one is absent. */
export function loadPeers(dir: string, s: S3Store, skip: (line: string) => void): Tool[] {
  return Peers.flatMap((p) => {
    const at = path.join(dir, p.id);
    const missing = ['action.yml', 'PEER_COMMIT'].filter((f) => !existsSync(path.join(at, f)));
    if (missing.length) {
      skip(`${p.repo}: skipped, ${at} has no ${missing.join(' or ')} (bench/fetch-peers.sh)`);
      return [];
    }
    const action = readAction(at);
    const built = [action.main, action.post ?? ''].filter((e) => !existsSync(path.join(at, e)));
    if (built.length) {
      skip(`${p.repo}: skipped, ${built.join(' and ')} missing in ${at} (bench/fetch-peers.sh)`);
      return [];
    }
    const source = readFileSync(path.join(at, 'PEER_COMMIT'), 'utf8').trim().replace(/\n/g, '; ');
    return [actionTool(p.id, p.repo, true, source, action, p.settings(s))];
  });
}

/**
 * A combined action measured as a job runs it. Save: main (a miss for a new key) then the
 * measured post step with main's state. Restore: the measured main step.
 */
function actionTool(
  id: string,
  name: string,
  peer: boolean,
  source: string,
  action: Action,
  settings: { inputs: Record<string, string>; env?: Record<string, string> },
): Tool {
  const step = (c: Call, state?: Record<string, string>) => ({
    workspace: c.workspace,
    runnerDir: c.runnerDir,
    inputs: {
      ...settings.inputs,
      path: c.path,
      key: c.key,
      ...(c.restoreKeys ? { 'restore-keys': c.restoreKeys.join('\n') } : {}),
    },
    env: settings.env,
    state,
  });
  return {
    id,
    name,
    peer,
    source,
    save: async (c) => {
      try {
        const main = await runStep(action, 'main', step(c));
        if (main.outputs['cache-hit'] === 'true') throw new Error(`save: ${c.key} exists`);
        return failOnWarning(await runStep(action, 'post', step(c, main.state)), 'save');
      } finally {
        endJob(c.runnerDir);
      }
    },
    restore: async (c) => {
      try {
        // A miss is no failure, though some peers warn about it (whywaita: "Failed to restore").
        const r = await runStep(action, 'main', step(c));
        const hit = r.outputs['cache-hit'] === 'true';
        return { ...(hit ? failOnWarning(r, 'restore') : r), hit };
      } finally {
        endJob(c.runnerDir);
      }
    },
  };
}

/**
 * These actions report a failed save or restore as a warning and exit 0, which would be
 * measured as a fast success: a warning or error (an annotation, or the `[warning]` line of
 * actions/cache's logWarning) fails the bench's call instead.
 */
function failOnWarning<T extends Measured>(r: T, what: string): T {
  const notes = r.stdout.split('\n').filter((l) => /^(::(warning|error)\b|\[warning\])/.test(l));
  if (notes.length) throw new Error(`${what} reported: ${notes.join(' | ').slice(0, 1000)}`);
  return r;
}
