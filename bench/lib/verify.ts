import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';

import type { Tree } from './tree.js';

/**
 * Checks that `dir` holds what `tree` declares (count of files and symlinks, bytes of files), so a
 * restore that exits 0 without writing everything is never measured as a fast one.
 */
export function expectSameTree(dir: string, tree: Tree, what: string): void {
  let files = 0;
  let bytes = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        files += 1;
        if (e.isFile()) bytes += lstatSync(p).size;
      }
    }
  };
  walk(dir);
  if (files !== tree.files || bytes !== tree.bytes) {
    throw new Error(
      `${what}: ${dir} has ${files} files and ${bytes} bytes; the tree has ${tree.files} and ${tree.bytes}`,
    );
  }
}
