import {
  BLOCK,
  encodePaxRecords,
  F,
  headerSums,
  MAX_OCTAL_11,
  type MemberType,
  padding,
  ZEROS,
} from './tar-format.js';

/** Everything a canonical header says: no owners, no special mode bits, no other types. */
export interface CanonicalMember {
  /** Absolute path tar writes (extracted with -P). */
  name: string;
  type: MemberType;
  /** Permission bits only (0o777 at most). */
  mode: number;
  /** Seconds since the epoch as pax writes them: an integer, or with a decimal fraction. */
  mtime: string;
  /** Data bytes that follow (files only). */
  size: number;
  /** Symlink target (verbatim) or hard-link target (absolute); '' otherwise. */
  linkName: string;
}

const TYPEFLAG: Record<MemberType, string> = { file: '0', dir: '5', symlink: '2', hardlink: '1' };

/**
 * The header block(s) for one member, in the one dialect we write: POSIX ustar, with a pax
 * extended header only for what ustar cannot hold (long or non-ASCII names, fractional or
 * out-of-range times, sizes of 8 GiB and more). Every field comes from `m`; nothing of the
 * header it was parsed from survives, so tar and the gate cannot read a member differently.
 */
export function canonicalHeader(m: CanonicalMember): Buffer {
  if (m.mode !== (m.mode & 0o777))
    throw new RangeError(`mode ${m.mode.toString(8)} has extra bits`);
  const pax: [string, string][] = [];
  const name = splitName(m.name);
  if (!name) pax.push(['path', m.name]);
  if (!fitsAscii(m.linkName, 100)) pax.push(['linkpath', m.linkName]);
  if (m.size > MAX_OCTAL_11) pax.push(['size', String(m.size)]);
  const wholeMtime = /^\d+$/.test(m.mtime) && Number(m.mtime) <= MAX_OCTAL_11;
  if (!wholeMtime) pax.push(['mtime', m.mtime]);

  const b = Buffer.alloc(BLOCK);
  if (name) {
    putText(b, F.name, name.name);
    putText(b, F.prefix, name.prefix);
  } else {
    putText(b, F.name, 'pax-path');
  }
  putOctal(b, F.mode, m.mode);
  putOctal(b, F.uid, 0);
  putOctal(b, F.gid, 0);
  putOctal(b, F.size, m.size > MAX_OCTAL_11 ? 0 : m.size);
  putOctal(b, F.mtime, wholeMtime ? Number(m.mtime) : 0);
  b.write(TYPEFLAG[m.type], F.typeflag[0], 'latin1');
  if (fitsAscii(m.linkName, 100)) putText(b, F.linkname, m.linkName);
  b.write('ustar\x0000', F.magic[0], 'latin1');
  setChecksum(b);
  if (pax.length === 0) return b;

  const records = encodePaxRecords(pax);
  const x = Buffer.alloc(BLOCK);
  putText(x, F.name, 'pax-header');
  putOctal(x, F.mode, 0o644);
  putOctal(x, F.uid, 0);
  putOctal(x, F.gid, 0);
  putOctal(x, F.size, records.length);
  putOctal(x, F.mtime, 0);
  x.write('x', F.typeflag[0], 'latin1');
  x.write('ustar\x0000', F.magic[0], 'latin1');
  setChecksum(x);
  return Buffer.concat([x, records, ZEROS.subarray(0, padding(records.length)), b]);
}

/** Splits an ASCII name into ustar prefix (≤155) and name (≤100) at a '/', if it fits. */
function splitName(name: string): { prefix: string; name: string } | undefined {
  if (!fitsAscii(name, 256)) return undefined;
  if (name.length <= 100) return { prefix: '', name };
  // The prefix must end at a '/', which is dropped; the rest must fit in 100 bytes.
  for (let i = Math.min(155, name.length - 2); i > 0; i--) {
    if (name[i] === '/' && name.length - i - 1 <= 100) {
      return { prefix: name.slice(0, i), name: name.slice(i + 1) };
    }
  }
  return undefined;
}

function fitsAscii(s: string, max: number): boolean {
  // eslint-disable-next-line no-control-regex
  return s.length <= max && /^[\x01-\x7f]*$/.test(s);
}

function putText(b: Buffer, [at, len]: readonly [number, number], s: string): void {
  b.write(s, at, len, 'latin1');
}

function putOctal(b: Buffer, [at, len]: readonly [number, number], n: number): void {
  b.write(`${n.toString(8).padStart(len - 1, '0')}\0`, at, len, 'latin1');
}

function setChecksum(b: Buffer): void {
  b.write(`${headerSums(b).unsigned.toString(8).padStart(6, '0')}\0 `, F.chksum[0], 8, 'latin1');
}
