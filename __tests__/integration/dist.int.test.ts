import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// GitHub runs the committed dist/ as is: it must be exactly what the sources build to now.
function files(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? files(path.join(dir, d.name), base)
      : [path.relative(base, path.join(dir, d.name))],
  );
}

test('committed dist/ matches a fresh build of src/', () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'bucket-cache-dist-'));
  try {
    execFileSync(process.execPath, ['scripts/bundle.mjs', '--out', out], { stdio: 'pipe' });
    const built = files(out).sort();
    expect(files('dist').sort()).toEqual(built);
    const stale = built.filter(
      (f) => !readFileSync(path.join(out, f)).equals(readFileSync(path.join('dist', f))),
    );
    expect(stale.map((f) => `dist/${f} is stale: run \`npm run build\` and commit dist/`)).toEqual(
      [],
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 600_000);
