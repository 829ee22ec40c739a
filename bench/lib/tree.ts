import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { MiB } from './config.js';
import { noise, prng, textPool } from './content.js';

/** A generated tree: `ws` is the workspace, `path` the one declared path inside it. */
export interface Tree {
  ws: string;
  path: string;
  /** Regular files and symlinks, and their bytes (link targets not counted). */
  files: number;
  bytes: number;
}

// Bump when a generator changes what it writes: trees with another stamp are made again.
const ReferenceVersion = 'reference-v1';
const BigVersion = 'big-v1';

/**
 * The issues' reference tree, like a node_modules: about 30,000 files and 403 MiB, mostly small
 * source-like files with some binaries, a few large files and `.bin` symlinks; zstd -3 makes it
 * about 40-45 % of its size. Generated once into `root` and reused while its stamp matches.
 */
export function referenceTree(root: string): Tree {
  return ensure(root, ReferenceVersion, writeReference);
}

/** About 2 GiB of incompressible files: an archive of 2 GiB. */
export function bigTree(root: string): Tree {
  return ensure(root, BigVersion, (deps) => {
    const bytes = noise(2);
    for (let i = 0; i < 16; i++) {
      const file = path.join(deps, `blob-${String(i).padStart(2, '0')}.bin`);
      writeFileSync(file, '');
      for (let n = 0; n < 16; n++) writeFileSync(file, bytes(8 * MiB), { flag: 'a' });
    }
    return { files: 16, bytes: 16 * 128 * MiB };
  });
}

function ensure(
  root: string,
  version: string,
  write: (deps: string) => { files: number; bytes: number },
): Tree {
  const stamp = path.join(root, 'stamp.json');
  const ws = path.join(root, 'ws');
  if (existsSync(stamp)) {
    const s = JSON.parse(readFileSync(stamp, 'utf8')) as { version: string } & Tree;
    if (s.version === version) return { ws, path: 'deps', files: s.files, bytes: s.bytes };
  }
  rmSync(root, { recursive: true, force: true });
  mkdirSync(path.join(ws, 'deps'), { recursive: true });
  const { files, bytes } = write(path.join(ws, 'deps'));
  writeFileSync(stamp, JSON.stringify({ version, files, bytes, created: new Date() }));
  return { ws, path: 'deps', files, bytes };
}

const Large: Array<[name: string, share: number, binary: boolean]> = [
  ['@swc/core-linux-x64-gnu/swc.linux-x64-gnu.node', 0.12, true],
  ['@prisma/engines/libquery_engine-debian.so.node', 0.05, true],
  ['esbuild/bin/esbuild', 0.04, true],
  ['next/dist/compiled/next-server/app-page.runtime.prod.js', 0.18, false],
  ['typescript/lib/typescript.js', 0.14, false],
  ['@aws-sdk/client-ec2/dist-cjs/index.js', 0.17, false],
  ['monaco-editor/min/vs/editor/editor.main.js', 0.16, false],
  ['pdfjs-dist/build/pdf.worker.js', 0.14, false],
];
const TotalBytes = 403 * MiB;
const Packages = 1200;
const Links = 40;
const SmallFiles = 30_004 - Large.length - 2 * Links;

function writeReference(deps: string): { files: number; bytes: number } {
  const rand = prng(1);
  const binary = noise(1);
  const pool = textPool(64 * MiB, 1);
  const text = (size: number): Buffer => {
    const at = Math.floor(rand() * (pool.length - size));
    return pool.subarray(at, at + size);
  };
  const made = new Set<string>();
  let bytes = 0;
  const put = (name: string, data: Buffer): void => {
    const file = path.join(deps, 'node_modules', name);
    const dir = path.dirname(file);
    if (!made.has(dir)) mkdirSync(dir, { recursive: true });
    made.add(dir);
    writeFileSync(file, data);
    bytes += data.length;
  };

  const pkgs = Array.from({ length: Packages }, (_, i) => `pkg-${i.toString(36)}`);
  const dirs = ['', 'lib/', 'dist/', 'src/', 'lib/util/', 'dist/esm/', 'types/'];
  for (let i = 0; i < SmallFiles; i++) {
    // Log-normal sizes, median 3 KiB, as in node_modules; one in ten files is binary.
    const normal = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const size = Math.round(Math.min(MiB, Math.max(40, 3072 * Math.exp(1.4 * normal))));
    const pkg = pkgs[Math.floor(Packages * rand() ** 2)]!; // a few packages hold most files
    const isBinary = rand() < 0.1;
    const dir = dirs[Math.floor(rand() * dirs.length)]!;
    const ext = isBinary
      ? ['.node', '.png', '.wasm'][i % 3]
      : ['.js', '.d.ts', '.json', '.md'][i % 4];
    put(`${pkg}/${dir}f${i}${ext}`, isBinary ? binary(size) : text(size));
  }
  for (let i = 0; i < Links; i++) {
    put(`${pkgs[i]}/bin/cli.js`, text(300));
    mkdirSync(path.join(deps, 'node_modules/.bin'), { recursive: true });
    symlinkSync(`../${pkgs[i]}/bin/cli.js`, path.join(deps, `node_modules/.bin/tool-${i}`));
  }
  const rest = TotalBytes - bytes;
  for (const [name, share, isBinary] of Large) {
    const size = Math.floor(rest * share);
    put(name, isBinary ? binary(size) : text(size));
  }
  return { files: SmallFiles + 2 * Links + Large.length, bytes };
}
