import { BLOCK, F, MAX_OCTAL_11, type MemberType, padding } from './tar-format.js';

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

/** Reused for every header: the gate copies each one into its output before the next. */
let scratch = Buffer.alloc(4 * BLOCK);

/**
 * The header block(s) for one member, in the one dialect we write: POSIX ustar, with a pax
 * extended header only for what ustar cannot hold (long or non-ASCII names, fractional or
 * out-of-range times, sizes of 8 GiB and more). Every field comes from `m`; nothing of the
 * header it was parsed from survives, so tar and the gate cannot read a member differently.
 *
 * The result is a view of a buffer that the next call overwrites: copy it before then.
 */
export function canonicalHeader(m: CanonicalMember): Buffer {
  if (m.mode !== (m.mode & 0o777))
    throw new RangeError(`mode ${m.mode.toString(8)} has extra bits`);
  const name = splitName(m.name);
  const linkFits = fitsAscii(m.linkName, 100);
  const wholeMtime = /^\d+$/.test(m.mtime) && Number(m.mtime) <= MAX_OCTAL_11;
  let pax = '';
  if (!name) pax += paxRecord('path', m.name);
  if (!linkFits) pax += paxRecord('linkpath', m.linkName);
  if (m.size > MAX_OCTAL_11) pax += paxRecord('size', String(m.size));
  if (!wholeMtime) pax += paxRecord('mtime', m.mtime);

  const paxBytes = Buffer.byteLength(pax, 'utf8');
  const at = paxBytes ? BLOCK + paxBytes + padding(paxBytes) : 0;
  const total = at + BLOCK;
  if (scratch.length < total) scratch = Buffer.alloc(2 * total);
  const out = scratch.subarray(0, total);
  out.fill(0);
  if (paxBytes) {
    putText(out, 0, F.name, 'pax-header');
    putFields(out, 0, 0o644, paxBytes, 0, 'x');
    out.write(pax, BLOCK, 'utf8');
  }
  if (name) {
    putText(out, at, F.name, name.name);
    putText(out, at, F.prefix, name.prefix);
  } else {
    putText(out, at, F.name, 'pax-path');
  }
  if (linkFits) putText(out, at, F.linkname, m.linkName);
  putFields(
    out,
    at,
    m.mode,
    m.size > MAX_OCTAL_11 ? 0 : m.size,
    wholeMtime ? Number(m.mtime) : 0,
    TYPEFLAG[m.type],
  );
  return out;
}

/** One pax record, "<len> <key>=<value>\n", the length counting its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bytes = Buffer.byteLength(body, 'utf8');
  let n = bytes + 1;
  while (String(n).length + bytes !== n) n++;
  return `${n}${body}`;
}

/** Mode, owners (always 0), size, mtime, type, magic and checksum of the header at `at`. */
function putFields(
  b: Buffer,
  at: number,
  mode: number,
  size: number,
  mtime: number,
  typeflag: string,
): void {
  putOctal(b, at, F.mode, mode);
  putOctal(b, at, F.uid, 0);
  putOctal(b, at, F.gid, 0);
  putOctal(b, at, F.size, size);
  putOctal(b, at, F.mtime, mtime);
  b[at + F.typeflag[0]] = typeflag.charCodeAt(0);
  b.write('ustar\x0000', at + F.magic[0], 'latin1');
  let sum = 0;
  for (let i = at; i < at + BLOCK; i++) sum += b[i]!;
  // The checksum field counts as eight spaces; it is still zero here.
  sum += 8 * 0x20;
  putOctal(b, at, [F.chksum[0], 7], sum);
  b[at + F.chksum[0] + 7] = 0x20;
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

function putText(b: Buffer, at: number, [pos, len]: readonly [number, number], s: string): void {
  b.write(s, at + pos, len, 'latin1');
}

/** `len - 1` octal digits, zero-padded, then NUL; `n` fits (callers check MAX_OCTAL_11). */
function putOctal(b: Buffer, at: number, [pos, len]: readonly [number, number], n: number): void {
  let v = n;
  for (let i = at + pos + len - 2; i >= at + pos; i--) {
    b[i] = 0x30 + (v % 8);
    v = Math.floor(v / 8);
  }
  b[at + pos + len - 1] = 0;
}
