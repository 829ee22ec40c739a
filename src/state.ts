import * as core from '@actions/core';

import { parseUnusable, type UnusableEntry } from './cache/unusable.js';
import { State } from './constants.js';

/** What the main step tells the post step. Keys only: never settings, never secrets. */
export interface RestoreState {
  v: 1;
  primaryKey: string;
  matchedKey?: string;
  /** The primary key matched exactly, so the post step has nothing new to save. */
  exact: boolean;
  /** The primary key's entry was refused as unusable: the post step may replace it. */
  unusable?: UnusableEntry;
}

export function saveRestoreState(state: Omit<RestoreState, 'v'>): void {
  core.saveState(State.Restore, JSON.stringify({ v: 1, ...state }));
}

/** The main step's state, or undefined in a standalone save step or after a failed main step. */
export function loadRestoreState(): RestoreState | undefined {
  const raw = core.getState(State.Restore);
  if (!raw) return undefined;
  try {
    const s = JSON.parse(raw) as Partial<RestoreState>;
    if (s.v === 1 && typeof s.primaryKey === 'string' && typeof s.exact === 'boolean') {
      return {
        v: 1,
        primaryKey: s.primaryKey,
        exact: s.exact,
        matchedKey: typeof s.matchedKey === 'string' ? s.matchedKey : undefined,
        unusable: parseUnusable(s.unusable),
      };
    }
  } catch {
    // fall through: an unreadable state is treated as none, and save reads its own inputs.
  }
  core.debug(`ignoring unrecognised ${State.Restore} state`);
  return undefined;
}
