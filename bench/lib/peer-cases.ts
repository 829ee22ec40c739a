import { existsSync } from 'node:fs';
import path from 'node:path';

import type { Samples } from './stats.js';
import type { Call, Tool } from './tools.js';
import type { Tree } from './tree.js';
import { expectSameTree } from './verify.js';
import type { Work } from './workdirs.js';

export type PeerCase = 'save' | 'restore' | 'miss';
export const PeerCases: PeerCase[] = ['save', 'restore', 'miss'];

/** The sample name of one tool's case on one link. */
export const sampleName = (c: PeerCase, link: string, tool: Tool): string =>
  `${c}.${link}.${tool.id}`;

/**
 * One measured call of `tool`: save of the reference tree, restore (hit) of that entry into a
 * fresh workspace, or a miss with one restore key. Each restore is checked (a hit that wrote
 * the whole tree; a miss that wrote nothing) before its sample counts.
 */
export async function runPeerCase(
  c: PeerCase,
  tool: Tool,
  link: string,
  run: number,
  at: { work: Work; tree: Tree; samples: Samples },
): Promise<void> {
  const { work, tree, samples } = at;
  const name = `${tool.id}-${link}`;
  const key = `${name}-${run}`;
  const call = (workspace: string, extra: Partial<Call> = {}): Call => ({
    workspace,
    path: tree.path,
    key,
    runnerDir: work.target(`runner-${name}-${c}`, run),
    ...extra,
  });
  if (c === 'save') {
    samples.add(sampleName(c, link, tool), await tool.save(call(tree.ws)));
    return;
  }
  const ws = work.target(`${c}-${name}`, run);
  const miss = c === 'miss';
  const r = await tool.restore(
    call(ws, miss ? { key: `miss-${key}`, restoreKeys: [`miss-${name}-`] } : {}),
  );
  const restored = path.join(ws, tree.path);
  if (miss) {
    if (r.hit || existsSync(restored)) throw new Error(`miss of ${key} restored something`);
  } else {
    if (!r.hit) throw new Error(`restore of ${key} was not a hit:\n${r.stdout.slice(-2000)}`);
    expectSameTree(restored, tree, `${tool.name} restore of ${key}`);
  }
  samples.add(sampleName(c, link, tool), r);
}
