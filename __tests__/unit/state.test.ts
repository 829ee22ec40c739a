import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { parseFileCommands } from '../../scripts/run-action.mjs';
import { loadRestoreState, saveRestoreState } from '../../src/state.js';

describe('restore state handed from main to post', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test('is one versioned JSON entry holding keys only', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'state-')), 'state');
    writeFileSync(file, '');
    process.env.GITHUB_STATE = file;
    saveRestoreState({ primaryKey: 'deps-a', matchedKey: 'deps-', exact: false });
    const written = parseFileCommands(readFileSync(file, 'utf8'));
    expect(Object.keys(written)).toEqual(['restore-state']);
    expect(JSON.parse(written['restore-state']!)).toEqual({
      v: 1,
      primaryKey: 'deps-a',
      matchedKey: 'deps-',
      exact: false,
    });
  });

  test('is read back from STATE_restore-state as the runner passes it', () => {
    process.env['STATE_restore-state'] = JSON.stringify({
      v: 1,
      primaryKey: 'k',
      exact: true,
      matchedKey: 'k',
    });
    expect(loadRestoreState()).toEqual({ v: 1, primaryKey: 'k', exact: true, matchedKey: 'k' });
  });

  test('absent (save sub-action) or unrecognised state is treated as none', () => {
    delete process.env['STATE_restore-state'];
    expect(loadRestoreState()).toBeUndefined();
    for (const bad of [
      'not json',
      '{"v":2,"primaryKey":"k","exact":true}',
      '{"v":1,"exact":true}',
      '[]',
    ]) {
      process.env['STATE_restore-state'] = bad;
      expect(loadRestoreState()).toBeUndefined();
    }
  });

  test('extra fields in state are dropped, never trusted', () => {
    process.env['STATE_restore-state'] = JSON.stringify({
      v: 1,
      primaryKey: 'k',
      exact: false,
      matchedKey: 7,
      secret: 'x',
    });
    expect(loadRestoreState()).toEqual({
      v: 1,
      primaryKey: 'k',
      exact: false,
      matchedKey: undefined,
    });
  });

  test('an unusable entry is handed over with its manifest name and etag; malformed ones dropped', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'state-')), 'state');
    writeFileSync(file, '');
    process.env.GITHUB_STATE = file;
    const unusable = { manifestName: 'ci/o/r/ref-x/v/keys/k', etag: '"abc"' };
    saveRestoreState({ primaryKey: 'k', exact: false, unusable });
    process.env['STATE_restore-state'] = parseFileCommands(readFileSync(file, 'utf8'))[
      'restore-state'
    ];
    expect(loadRestoreState()).toMatchObject({ primaryKey: 'k', unusable });
    for (const bad of [{ manifestName: 'n' }, { manifestName: 5, etag: 'e' }, 'x', null]) {
      process.env['STATE_restore-state'] = JSON.stringify({
        v: 1,
        primaryKey: 'k',
        exact: false,
        unusable: bad,
      });
      expect(loadRestoreState()?.unusable).toBeUndefined();
    }
  });
});
