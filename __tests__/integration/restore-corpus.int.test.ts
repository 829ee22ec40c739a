import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { UnsafeArchiveError } from '../../src/errors.js';
import {
  children,
  type RestoreSandbox,
  restoreSandbox,
  snapshot,
  zstd,
} from '../helpers/restore-harness.js';
import * as tw from '../helpers/tar-writer.js';
import { BSDTAR, describeWithTars, GNU_TAR } from '../helpers/tars.js';

// The corpus of crafted archives, each run through the whole restore (manifest, download, sha256,
// gate, GNU tar, staging) with a valid manifest, as a store writer would plant them. Every one must
// be a clean miss: refused with a reason, nothing changed anywhere (declared path included), no
// staging left, no process left. The same bytes are also given to GNU tar alone (`tar -x -P`, as a
// restore without the gate would): for the cases marked `escapes`, it writes outside the declared
// path, which is what makes them threats rather than strawmen.

interface Case {
  label: string;
  /** Builds the plain tar; `outside` is an absolute directory outside the declared paths. */
  build: (outside: string) => Buffer;
  refused: RegExp;
  /** GNU tar alone writes outside the declared path with these bytes. */
  escapes?: boolean;
}

const ok = () => tw.file('cache/harmless.txt', 'harmless');
const hiddenEscape = () => tw.file('../escaped.txt', 'pwned');

const CASES: Case[] = [
  {
    label: 'a symlink that claims data hiding a header',
    build: () =>
      tw.tarball(ok(), tw.entry({ name: 'cache/l', typeflag: '2', linkName: 'x' }, hiddenEscape())),
    refused: /symlink 'cache\/l' claims 1024 bytes/,
    escapes: true,
  },
  {
    label: 'a hard link that claims data hiding a header',
    build: () =>
      tw.tarball(
        ok(),
        tw.entry(
          { name: 'cache/h', typeflag: '1', linkName: 'cache/harmless.txt' },
          hiddenEscape(),
        ),
      ),
    refused: /hard link 'cache\/h' claims 1024 bytes/,
    escapes: true,
  },
  {
    label: 'a pax size smaller than the data, hiding a header',
    build: () => tw.tarball(ok(), tw.pax({ size: '0' }), tw.file('cache/f', hiddenEscape())),
    refused: /'..\/escaped.txt'.*outside the declared paths/,
    escapes: true,
  },
  {
    label: 'a pax size larger than the data, swallowing the next header',
    build: () =>
      tw.tarball(ok(), tw.pax({ size: '99999' }), tw.file('cache/f', 'short'), tw.file('cache/g')),
    refused: /truncated/,
  },
  {
    label: 'a pax path that climbs out',
    build: () => tw.tarball(ok(), tw.pax({ path: '../escaped.txt' }), tw.file('cache/x', 'p')),
    refused: /'..\/escaped.txt'.*outside/,
    escapes: true,
  },
  {
    label: 'a pax path that is absolute',
    build: (outside) =>
      tw.tarball(ok(), tw.pax({ path: path.join(outside, 'abs.txt') }), tw.file('cache/x', 'p')),
    refused: /is absolute/,
    escapes: true,
  },
  {
    label: 'a pax linkpath out, then a member through the link',
    build: (outside) =>
      tw.tarball(
        ok(),
        tw.pax({ linkpath: outside }),
        tw.symlink('cache/evil', 'harmless-looking'),
        tw.file('cache/evil/pwned.txt', 'p'),
      ),
    refused: /'cache\/evil\/pwned.txt'.*written through/,
    escapes: true,
  },
  {
    label: 'a GNU long name that climbs out',
    build: () => tw.tarball(ok(), tw.gnuLong('../escaped.txt'), tw.file('cache/x', 'p')),
    refused: /'..\/escaped.txt'.*outside/,
    escapes: true,
  },
  {
    label: 'a GNU long link out, then a member through the link',
    build: (outside) =>
      tw.tarball(
        ok(),
        tw.gnuLong(outside, 'K'),
        tw.symlink('cache/evil', 'x'),
        tw.file('cache/evil/pwned.txt', 'p'),
      ),
    refused: /written through/,
    escapes: true,
  },
  {
    label: 'a pax path and a GNU long name for one member',
    build: () =>
      tw.tarball(ok(), tw.gnuLong('cache/a'), tw.pax({ path: 'cache/b' }), tw.file('cache/c')),
    refused: /both a pax path and a GNU long name/,
  },
  {
    label: 'a duplicate name: a directory, then a symlink out, then a member through it',
    build: (outside) =>
      tw.tarball(
        tw.dir('cache/d'),
        tw.symlink('cache/d', outside),
        tw.file('cache/d/pwned.txt', 'p'),
      ),
    refused: /'cache\/d'.*replace a directory/,
    escapes: true,
  },
  {
    label: 'a symlink out, later a directory of the same name',
    build: (outside) => tw.tarball(tw.symlink('cache/d', outside), tw.dir('cache/d')),
    refused: /replace a symlink/,
  },
  {
    label: 'a hard link to a symlink that points out',
    build: (outside) =>
      tw.tarball(
        tw.symlink('cache/s', path.join(outside, 'secret')),
        tw.hardlink('cache/h', 'cache/s'),
      ),
    refused: /not an earlier regular file/,
  },
  {
    label: 'a hard link to a file outside',
    build: () => tw.tarball(ok(), tw.hardlink('cache/h', '../outside/secret')),
    refused: /hard link target '..\/outside\/secret'.*outside/,
  },
  {
    label: 'a symlink replacing the declared path itself',
    build: (outside) => tw.tarball(tw.symlink('cache', outside), tw.file('cache/pwned.txt', 'p')),
    refused: /replace the declared path .* with a symlink/,
    escapes: true,
  },
  {
    label: 'backslashes that climb out on Windows',
    build: () => tw.tarball(ok(), tw.file('cache\\..\\..\\escaped.txt', 'p')),
    refused: /'\.\.' after a directory name/,
  },
  {
    label: 'a newline before .. segments (a line break must not end the name checks)',
    build: () => tw.tarball(ok(), tw.file('cache/a\n/../../../escaped.txt', 'p')),
    refused: /'\.\.' after a directory name/,
    escapes: true,
  },
  {
    label: 'a line separator (U+2028) before .. segments',
    build: () => tw.tarball(ok(), tw.file('cache/a\u2028/../../../escaped.txt', 'p')),
    refused: /'\.\.' after a directory name/,
    escapes: true,
  },
  {
    label: 'a drive-letter name',
    build: () => tw.tarball(ok(), tw.file('C:\\escaped.txt', 'p')),
    refused: /is absolute/,
  },
  {
    label: 'a NUL in a pax path',
    build: () => tw.tarball(ok(), tw.pax({ path: 'cache/a\u0000../../x' }), tw.file('cache/x')),
    refused: /holds a NUL/,
  },
  {
    label: 'a name that is not UTF-8',
    build: () => {
      const h = tw.file('cache/bad-name', 'p');
      h[10] = 0xff;
      return tw.tarball(ok(), fixChecksum(h));
    },
    refused: /not valid UTF-8/,
  },
  {
    label: 'a huge octal size field',
    build: () => tw.tarball(ok(), tw.header({ name: 'cache/big', size: 0o77777777777 })),
    refused: /truncated/,
  },
  {
    label: 'a base-256 size field',
    build: () => tw.tarball(ok(), tw.entry({ name: 'cache/b256', base256Size: true }, 'x')),
    refused: /base-256 size/,
  },
  {
    label: 'a truncated header',
    build: () => Buffer.concat([ok(), tw.file('cache/t', 'x').subarray(0, 300)]),
    refused: /truncated/,
  },
  {
    label: 'a bad checksum that GNU tar skips, hiding a member after it',
    build: () =>
      tw.tarball(ok(), tw.header({ name: 'cache/x', checksum: 1 }), tw.file('../escaped.txt')),
    refused: /checksum mismatch/,
    escapes: true,
  },
  {
    label: 'a checksum in signed-char arithmetic with a non-ASCII byte in the header',
    build: () => {
      const h = tw.file('cache/signed', 'p');
      h[200] = 0xe9; // in the link-name field of a regular file: only the checksum sees it
      return tw.tarball(ok(), fixChecksum(h, 'signed'));
    },
    // Both readers accept either sum, so this one is accepted and restored intact.
    refused: /^$/,
  },
  {
    label: 'a GNU sparse member',
    build: () => tw.tarball(ok(), tw.entry({ name: 'cache/sparse', typeflag: 'S' }, 'x')),
    refused: /GNU sparse file members are not allowed/,
  },
  {
    label: 'a pax global header that renames every later member',
    build: () => tw.tarball(tw.pax({ path: '../escaped.txt' }, 'g'), ok()),
    refused: /pax global header members are not allowed/,
  },
  {
    label: 'an unknown pax keyword (GNU.sparse.name)',
    build: () => tw.tarball(ok(), tw.pax({ 'GNU.sparse.name': 'cache/x' }), tw.file('cache/y')),
    refused: /unsupported pax keyword 'GNU.sparse.name'/,
  },
  {
    label: 'a FIFO and a device',
    build: () => tw.tarball(ok(), tw.fifo('cache/fifo'), tw.charDevice('cache/null')),
    refused: /FIFO members are not allowed/,
  },
  {
    label: 'a member written below a file the archive made',
    build: () => tw.tarball(tw.file('cache/f', 'x'), tw.file('cache/f/g', 'y')),
    refused: /written below .*a file made by an earlier member/,
  },
];

/** Recomputes a header's checksum, unsigned (as tar writes it) or in signed-char arithmetic. */
function fixChecksum(h: Buffer, kind: 'unsigned' | 'signed' = 'unsigned'): Buffer {
  const b = Buffer.from(h);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += kind === 'signed' && b[i]! > 127 ? b[i]! - 256 : b[i]!;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return b;
}

/** What GNU tar alone does with `bytes` in a fresh sandbox: did anything outside `cache` change? */
async function gnuTarEscapes(c: Case): Promise<boolean> {
  const box = await mkdtemp(path.join(tmpdir(), 'gnu-alone-'));
  try {
    const ws = path.join(box, 'ws');
    const outside = path.join(box, 'outside');
    await mkdir(path.join(ws, 'cache'), { recursive: true });
    await mkdir(outside);
    await writeFile(path.join(outside, 'secret'), 'untouched');
    const outsideOf = async () =>
      Object.entries(await snapshot(box)).filter(([k]) => !k.startsWith('ws/cache'));
    const before = await outsideOf();
    const archive = path.join(tmpdir(), `gnu-alone-${process.pid}.tar`);
    await writeFile(archive, c.build(outside));
    try {
      execFileSync('tar', ['-x', '-f', archive, '-P', '-C', ws], { stdio: 'ignore' });
    } catch {
      // tar may complain and still have written things.
    } finally {
      await rm(archive, { force: true });
    }
    return JSON.stringify(await outsideOf()) !== JSON.stringify(before);
  } finally {
    await rm(box, { recursive: true, force: true });
  }
}

// The gate decides, whichever tar extracts: GNU tar on Linux, bsdtar on macOS and Windows.
for (const extractor of [GNU_TAR, BSDTAR]) {
  describeWithTars(`extracted by ${extractor.label}`, [extractor], (tar) => {
    let sb: RestoreSandbox;
    beforeEach(async () => {
      sb = await restoreSandbox(['cache'], tar);
    });
    afterEach(async () => {
      await sb.cleanup();
    });

    describe.each(['none', 'zstd'] as const)('%s', (method) => {
      test.each(CASES.map((c) => [c.label, c] as const))('%s', async (_label, c) => {
        const plain = c.build(sb.outside);
        await sb.save(method === 'zstd' ? zstd(plain) : plain, method);
        const before = await snapshot(sb.root);
        const result = await sb.restore(method).catch((e: unknown) => e);
        if (c.refused.source === '^$') {
          expect(result).toMatchObject({ restored: true });
          return;
        }
        expect(result).toBeInstanceOf(UnsafeArchiveError);
        expect((result as Error).message).toMatch(c.refused);
        expect(await snapshot(sb.root)).toEqual(before);
        expect(await readdir(sb.tempDir)).toEqual([]);
        expect(children()).toEqual([]);
      });
    });
  });
}

test.each(CASES.filter((c) => c.escapes).map((c) => [c.label, c] as const))(
  'GNU tar alone writes outside with: %s',
  async (_label, c) => {
    expect(await gnuTarEscapes(c)).toBe(true);
  },
);
