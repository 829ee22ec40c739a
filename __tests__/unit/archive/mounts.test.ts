import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { sameMount } from '../../../src/archive/mounts.js';

test('different devices are never one mount; one directory is', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mounts-'));
  expect(await sameMount(dir, dir, 1, 2)).toBe(false);
  expect(await sameMount(dir, path.dirname(dir), 7, 7)).toBe(true);
});

test('a path on another mount point of the same device is another mount', async () => {
  // /proc is a mount point of its own on Linux; give it the same device number on purpose.
  if (process.platform !== 'linux') return;
  expect(await sameMount('/proc', tmpdir(), 5, 5)).toBe(false);
});
