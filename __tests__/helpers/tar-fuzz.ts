/**
 * A seeded generator of tar archives for the restore gate: valid archives of the kinds our tar
 * writes (directories, files, symlinks, hard links, GNU long names, pax headers), then mutated
 * the ways crafted archives differ from them (types, sizes, names, links, pax records, checksums,
 * truncation, duplicates). Deterministic for a seed, so a failure can be replayed.
 */
import * as tw from './tar-writer.js';

/** mulberry32: small, fast, good enough to explore archive shapes reproducibly. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, n: number): number => Math.floor(r() * n);

/** One unit of an archive: a header block (possibly of metadata) and its padded data. */
interface Piece {
  header: Buffer;
  data: Buffer;
}

/** Names a crafted archive might use: escapes, absolute paths, Windows forms, links' paths. */
const HOSTILE_NAMES = [
  '../escape.txt',
  '../../escape.txt',
  '/tmp/abs-escape.txt',
  'C:\\escape.txt',
  'C:/escape.txt',
  'cache\\..\\..\\escape.txt',
  'cache/../../escape.txt',
  'cache/link/through.txt',
  'cache/d',
  'cache',
  'cache/',
  '',
  'cache/a\u0000b',
  'cache/a\n/../../escape.txt',
  'cache/a\r/../x',
  './cache/x',
  'cache//y',
  'cache/dir/',
];
const HOSTILE_LINKS = ['/', '..', '../..', '../outside', 'cache/f0', 'cache/link', '/etc/passwd'];
const TYPEFLAGS = [
  '0',
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  'g',
  'x',
  'L',
  'K',
  'S',
  'M',
  'V',
  'D',
  '\0',
];
const PAX_KEYS = ['path', 'linkpath', 'size', 'mtime', 'uid', 'GNU.sparse.name', 'SCHILY.xattr.a'];

/** A valid archive under `cache/` as our tar would write it. */
function baseArchive(r: Rand): Piece[] {
  const pieces: Piece[] = [];
  const add = (b: Buffer): void => {
    // Split tw's header+padded data back into header and data.
    pieces.push({ header: b.subarray(0, 512), data: b.subarray(512) });
  };
  add(tw.dir('cache'));
  add(tw.dir('cache/d'));
  const files = 1 + int(r, 4);
  for (let i = 0; i < files; i++) {
    const size = pick(r, [0, 1, 511, 512, 513, 2000]);
    add(tw.file(`cache/f${i}`, Buffer.alloc(size, 97 + i)));
  }
  if (r() < 0.6) add(tw.symlink('cache/link', pick(r, ['f0', 'd', '../cache/f0'])));
  if (r() < 0.5) add(tw.hardlink('cache/hard', 'cache/f0'));
  if (r() < 0.4) {
    const long = `cache/d/${'n'.repeat(120 + int(r, 60))}`;
    add(tw.gnuLong(long));
    add(tw.file(long.slice(0, 99), 'long'));
  }
  if (r() < 0.4) {
    add(tw.pax({ path: `cache/d/${'p'.repeat(130)}`, mtime: '1700000000.25' }));
    add(tw.file('ignored-name', 'pax'));
  }
  return pieces;
}

function setField(h: Buffer, at: number, len: number, text: string): void {
  h.fill(0, at, at + len);
  Buffer.from(text, 'utf8').copy(h, at, 0, len);
}

function fixChecksum(h: Buffer): void {
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  setField(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
}

const MUTATIONS: ((r: Rand, ps: Piece[]) => void)[] = [
  // Another member type, keeping whatever data follows.
  (r, ps) => {
    const p = pick(r, ps);
    p.header[156] = pick(r, TYPEFLAGS).charCodeAt(0);
  },
  // A size field that disagrees with the data (smaller, larger, huge, base-256).
  (r, ps) => {
    const p = pick(r, ps);
    const v = pick(r, [0, 1, 512, 1024, 0o77777777777, int(r, 5000)]);
    if (r() < 0.15) {
      p.header[124] = 0x80;
      p.header.writeBigUInt64BE(BigInt(v), 128);
    } else {
      setField(p.header, 124, 12, `${v.toString(8).padStart(11, '0')}\0`);
    }
  },
  // A hostile name or link target.
  (r, ps) => setField(pick(r, ps).header, 0, 100, pick(r, HOSTILE_NAMES)),
  (r, ps) => setField(pick(r, ps).header, 157, 100, pick(r, HOSTILE_LINKS)),
  // A ustar prefix.
  (r, ps) => setField(pick(r, ps).header, 345, 155, pick(r, ['..', '/tmp', 'cache', 'cache/d'])),
  // A symlink out, then a member written through it.
  (r, ps) => {
    const at = int(r, ps.length + 1);
    const link = tw.symlink('cache/link', pick(r, HOSTILE_LINKS));
    const through = tw.file('cache/link/through.txt', 'x');
    ps.splice(at, 0, { header: link.subarray(0, 512), data: link.subarray(512) });
    ps.splice(at + 1, 0, { header: through.subarray(0, 512), data: through.subarray(512) });
  },
  // A pax header with a random record before a random member.
  (r, ps) => {
    const key = pick(r, PAX_KEYS);
    const value =
      key === 'size' || key === 'mtime'
        ? pick(r, ['0', '1', '10', '99999', '-1', '1.5', 'x'])
        : pick(r, [...HOSTILE_NAMES.filter((n) => n), ...HOSTILE_LINKS]);
    const x = tw.pax([[key, value]], r() < 0.2 ? 'g' : 'x');
    ps.splice(int(r, ps.length), 0, { header: x.subarray(0, 512), data: x.subarray(512) });
  },
  // A GNU long name or long link before a random member.
  (r, ps) => {
    const l = tw.gnuLong(
      pick(
        r,
        HOSTILE_NAMES.filter((n) => n),
      ),
      r() < 0.5 ? 'L' : 'K',
    );
    ps.splice(int(r, ps.length), 0, { header: l.subarray(0, 512), data: l.subarray(512) });
  },
  // A member again (same name, maybe another type).
  (r, ps) => {
    const p = pick(r, ps);
    const copy = { header: Buffer.from(p.header), data: p.data };
    if (r() < 0.5) copy.header[156] = pick(r, ['0', '2', '5', '1']).charCodeAt(0);
    ps.splice(int(r, ps.length + 1), 0, copy);
  },
  // Data that is itself a header (the "hidden member" trick).
  (r, ps) => {
    const p = pick(r, ps);
    const hidden = tw.file(
      pick(
        r,
        HOSTILE_NAMES.filter((n) => n),
      ),
      'hidden',
    );
    p.data = Buffer.concat([hidden, p.data]);
  },
  // Mode bits beyond permissions (setuid, setgid, sticky).
  (r, ps) => setField(pick(r, ps).header, 100, 8, pick(r, ['4755', '2755', '1777', '7777'])),
  // A random byte anywhere in a header.
  (r, ps) => {
    const p = pick(r, ps);
    p.header[int(r, 512)] = int(r, 256);
  },
  // A member removed.
  (r, ps) => {
    if (ps.length > 1) ps.splice(int(r, ps.length), 1);
  },
];

export interface FuzzCase {
  /** Which mutations made it, for the failure message. */
  mutations: number[];
  bytes: Buffer;
}

/** Case `i` of seed `seed`: a valid archive with 1-3 mutations, usually with fixed checksums. */
export function fuzzCase(seed: number, i: number): FuzzCase {
  const r = rng((seed * 1_000_003 + i) >>> 0);
  const pieces = baseArchive(r);
  const mutations: number[] = [];
  const n = 1 + int(r, 3);
  for (let k = 0; k < n; k++) {
    const m = int(r, MUTATIONS.length);
    mutations.push(m);
    MUTATIONS[m]!(r, pieces);
  }
  // Most mutations should reach the parser's meaning, not just its checksum test.
  if (r() < 0.85) for (const p of pieces) fixChecksum(p.header);
  let bytes = Buffer.concat([...pieces.flatMap((p) => [p.header, p.data]), tw.END]);
  const tail = r();
  if (tail < 0.05) bytes = bytes.subarray(0, int(r, bytes.length));
  else if (tail < 0.1) bytes = Buffer.concat([bytes, tw.file('../after-end.txt', 'x')]);
  return { mutations, bytes };
}
