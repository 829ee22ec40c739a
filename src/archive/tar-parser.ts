import { UnsafeArchiveError } from '../errors.js';
import { BLOCK, F, headerSums, type MemberType, padding, unsignedSum } from './tar-format.js';

/** One member as the gate sees it; `size` bytes of data follow through `TarSink.data`. */
export interface ParsedMember {
  /** Name with trailing slashes removed (pax path > GNU long name > ustar prefix/name). */
  name: string;
  type: MemberType;
  /** Symlink or hard-link target; '' for files and directories. */
  linkName: string;
  size: number;
  /** Mode bits as stored (the gate decides which survive). */
  mode: number;
  /** Seconds since the epoch, as a decimal string (pax may carry a fraction). */
  mtime: string;
  /** Byte offset of the member's header in the uncompressed stream, for messages. */
  offset: number;
}

/** Receives the parse, in order. Throwing from a callback aborts the parse. */
export interface TarSink {
  member(m: ParsedMember): void;
  data(chunk: Buffer): void;
  /** The member's data is complete (called for every member, data or not). */
  memberEnd(m: ParsedMember): void;
}

/** pax keywords whose meaning we apply. */
const PAX_USED = new Set(['path', 'linkpath', 'size', 'mtime']);
/**
 * pax keywords we understand and deliberately drop: times tar would restore besides mtime,
 * owners (never restored), device/inode bookkeeping, comments, and extended attributes, ACLs and
 * file flags (never restored). Anything else, e.g. GNU.sparse.*, changes how the data must be
 * read and is refused.
 */
const PAX_DROPPED = new Set([
  'atime',
  'ctime',
  'uid',
  'gid',
  'uname',
  'gname',
  'comment',
  'SCHILY.dev',
  'SCHILY.ino',
  'SCHILY.nlink',
  'SCHILY.fflags',
  'SCHILY.acl.access',
  'SCHILY.acl.default',
  'SCHILY.acl.ace',
  'LIBARCHIVE.creationtime',
]);
const PAX_DROPPED_PREFIXES = ['SCHILY.xattr.', 'LIBARCHIVE.xattr.'];

const utf8 = new TextDecoder('utf-8', { fatal: true });

type State = 'header' | 'meta' | 'data' | 'skip' | 'end';

/**
 * A strict, push-driven tar reader: ustar and GNU headers, pax extended headers and GNU long
 * names, nothing else. It decides where every member starts and what it is; whatever it cannot
 * read with certainty (bad checksums, base-256 numbers, sparse, multi-volume or device members,
 * global pax headers, unknown pax keywords, links or directories that claim data, names that
 * are not UTF-8, truncation) is an UnsafeArchiveError, never a guess.
 */
export class TarParser {
  private state: State = 'header';
  private readonly block = Buffer.alloc(BLOCK);
  private metaBuf = Buffer.alloc(4 * BLOCK);
  private fill = 0;
  /** Bytes still to pass (data) or drop (padding) in the current state. */
  private left = 0;
  private offset = 0;
  private meta?: { flag: string; body: Buffer; at: number };
  private longName?: string;
  private longLink?: string;
  private pax?: Map<string, string>;
  private current?: ParsedMember;
  private afterSkip: () => void = () => undefined;

  constructor(
    private readonly sink: TarSink,
    private readonly maxMetaSize = 1024 * 1024,
  ) {}

  /** Bytes of tar stream consumed so far. */
  get consumed(): number {
    return this.offset;
  }

  push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      const n = chunk.length - i;
      switch (this.state) {
        case 'header': {
          if (this.fill === 0 && n >= BLOCK) {
            i += BLOCK;
            this.offset += BLOCK;
            this.header(chunk.subarray(i - BLOCK, i));
            break;
          }
          const take = Math.min(BLOCK - this.fill, n);
          chunk.copy(this.block, this.fill, i, i + take);
          this.fill += take;
          i += take;
          this.offset += take;
          if (this.fill === BLOCK) {
            this.fill = 0;
            this.header(this.block);
          }
          break;
        }
        case 'meta': {
          const meta = this.meta!;
          const take = Math.min(this.left, n);
          chunk.copy(meta.body, meta.body.length - this.left, i, i + take);
          this.left -= take;
          i += take;
          this.offset += take;
          if (this.left === 0) this.skip(padding(meta.body.length), () => this.metaDone());
          break;
        }
        case 'data': {
          const take = Math.min(this.left, n);
          this.sink.data(chunk.subarray(i, i + take));
          this.left -= take;
          i += take;
          this.offset += take;
          if (this.left === 0) {
            const m = this.current!;
            this.skip(padding(m.size), () => this.sink.memberEnd(m));
          }
          break;
        }
        case 'skip': {
          const take = Math.min(this.left, n);
          this.left -= take;
          i += take;
          this.offset += take;
          if (this.left === 0) this.endSkip();
          break;
        }
        case 'end':
          // Whatever follows the end marker (record padding) is read but never used.
          this.offset += n;
          i = chunk.length;
          break;
      }
    }
  }

  /** The input ended: it must have ended after the end-of-archive marker. */
  end(): void {
    if (this.state !== 'end') {
      throw corrupt(this.offset, 'the archive is truncated (no end-of-archive marker)');
    }
  }

  private skip(n: number, then: () => void): void {
    this.afterSkip = then;
    this.left = n;
    this.state = 'skip';
    if (n === 0) this.endSkip();
  }

  private endSkip(): void {
    this.state = 'header';
    this.afterSkip();
  }

  private header(b: Buffer): void {
    const at = this.offset - BLOCK;
    if (isZero(b)) {
      if (this.meta || this.longName !== undefined || this.longLink !== undefined || this.pax) {
        throw corrupt(at, 'the archive ends after a long name or pax header');
      }
      this.state = 'end';
      return;
    }
    const recorded = octal(b, F.chksum);
    // The signed sum is only worth computing when the usual one does not match.
    if (
      recorded === undefined ||
      (recorded !== unsignedSum(b) && recorded !== headerSums(b).signed)
    ) {
      throw corrupt(at, 'header checksum mismatch');
    }
    const magic = b.toString('latin1', 257, 265);
    const posix = magic === 'ustar\x0000';
    if (!posix && magic !== 'ustar  \0') throw corrupt(at, 'not a ustar or GNU tar header');

    const flag = String.fromCharCode(b[F.typeflag[0]]!);
    const size = number(b, F.size, at, 'size');
    if (flag === 'x' || flag === 'L' || flag === 'K') {
      if (size > this.maxMetaSize) {
        throw corrupt(at, `a '${flag}' header of ${size} bytes exceeds ${this.maxMetaSize}`);
      }
      if (this.metaBuf.length < size)
        this.metaBuf = Buffer.alloc(Math.max(size, 2 * this.metaBuf.length));
      // Reused: what a meta header says is decoded into strings before the next one arrives.
      this.metaBuf.fill(0, 0, size);
      this.meta = { flag, body: this.metaBuf.subarray(0, size), at };
      this.left = size;
      this.state = 'meta';
      if (size === 0) this.skip(0, () => this.metaDone());
      return;
    }
    const type = memberType(flag, at);
    let name = text(b, F.name, at);
    if (posix && b[F.prefix[0]] !== 0) name = `${text(b, F.prefix, at)}/${name}`;
    this.startMember(b, at, flag, type, name, size);
  }

  private startMember(
    b: Buffer,
    at: number,
    flag: string,
    headerType: MemberType,
    headerName: string,
    headerSize: number,
  ): void {
    const pax = this.pax;
    if (pax?.has('path') && this.longName !== undefined) {
      throw corrupt(at, 'both a pax path and a GNU long name');
    }
    if (pax?.has('linkpath') && this.longLink !== undefined) {
      throw corrupt(at, 'both a pax linkpath and a GNU long link name');
    }
    const rawName = pax?.get('path') ?? this.longName ?? headerName;
    const rawLink = pax?.get('linkpath') ?? this.longLink ?? text(b, F.linkname, at);
    const paxSize = pax?.get('size');
    const size = paxSize === undefined ? headerSize : decimal(paxSize, at);
    const mtime = pax?.get('mtime') ?? String(number(b, F.mtime, at, 'mtime'));
    this.pax = this.longName = this.longLink = undefined;

    // GNU tar strips trailing slashes, and old tars mark a directory with one on a file type.
    const name = rawName.length > 1 ? rawName.replace(/\/+$/, '') : rawName;
    let type = headerType;
    if (type === 'file' && name !== rawName) type = 'dir';
    if (size !== 0 && type !== 'file') {
      throw corrupt(at, `${describeFlag(flag)} '${name}' claims ${size} bytes of data`);
    }
    const m: ParsedMember = {
      name,
      type,
      linkName: type === 'symlink' || type === 'hardlink' ? rawLink : '',
      size,
      mode: number(b, F.mode, at, 'mode'),
      mtime,
      offset: at,
    };
    this.current = m;
    this.sink.member(m);
    if (size > 0) {
      this.left = size;
      this.state = 'data';
    } else {
      this.sink.memberEnd(m);
    }
  }

  private metaDone(): void {
    const { flag, body, at } = this.meta!;
    this.meta = undefined;
    if (flag === 'L' || flag === 'K') {
      const value = decode(body.subarray(0, nulAt(body)), at);
      if (value === '') throw corrupt(at, 'an empty GNU long name');
      if (flag === 'L') {
        if (this.longName !== undefined) throw corrupt(at, 'two GNU long names for one member');
        this.longName = value;
      } else {
        if (this.longLink !== undefined)
          throw corrupt(at, 'two GNU long link names for one member');
        this.longLink = value;
      }
      return;
    }
    if (this.pax) throw corrupt(at, 'two pax headers for one member');
    this.pax = parsePax(body, at);
  }
}

function memberType(flag: string, at: number): MemberType {
  switch (flag) {
    case '0':
    case '\0':
    case '7':
      return 'file';
    case '5':
      return 'dir';
    case '2':
      return 'symlink';
    case '1':
      return 'hardlink';
    default:
      throw corrupt(at, `${describeFlag(flag)} members are not allowed`);
  }
}

const FLAG_NAMES: Record<string, string> = {
  '1': 'hard link',
  '2': 'symlink',
  '3': 'character device',
  '4': 'block device',
  '5': 'directory',
  '6': 'FIFO',
  g: 'pax global header',
  S: 'GNU sparse file',
  M: 'GNU multi-volume continuation',
  V: 'GNU volume label',
  D: 'GNU dump directory',
  N: 'GNU old long name',
};

function describeFlag(flag: string): string {
  const printable = /^[\x20-\x7e]$/.test(flag) ? flag : `\\x${flag.charCodeAt(0).toString(16)}`;
  return FLAG_NAMES[flag] ?? `type '${printable}'`;
}

/** "<len> <key>=<value>\n" records, strictly: every byte accounted for, no key twice. */
function parsePax(body: Buffer, at: number): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < body.length) {
    const space = body.indexOf(0x20, i);
    const lenText = space === -1 ? '' : body.toString('latin1', i, space);
    const len = /^[1-9][0-9]{0,8}$/.test(lenText) ? Number(lenText) : NaN;
    if (!(len > 0) || i + len > body.length || body[i + len - 1] !== 0x0a) {
      throw corrupt(at, 'malformed pax record');
    }
    const record = body.subarray(space + 1, i + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw corrupt(at, 'malformed pax record');
    const key = decode(record.subarray(0, eq), at);
    const value = decode(record.subarray(eq + 1), at);
    if (out.has(key)) throw corrupt(at, `pax keyword '${key}' given twice`);
    const dropped =
      PAX_DROPPED.has(key) ||
      PAX_DROPPED_PREFIXES.some((p) => key.startsWith(p)) ||
      (key === 'hdrcharset' && value === 'ISO-IR 10646 2000 UTF-8');
    if (!PAX_USED.has(key) && !dropped) throw corrupt(at, `unsupported pax keyword '${key}'`);
    if ((key === 'path' || key === 'linkpath') && (value === '' || value.includes('\0'))) {
      throw corrupt(at, `pax '${key}' is empty or holds a NUL`);
    }
    if (key === 'mtime' && !/^-?[0-9]{1,15}(\.[0-9]{1,9})?$/.test(value)) {
      throw corrupt(at, `bad pax mtime '${value}'`);
    }
    if (PAX_USED.has(key)) out.set(key, value);
    i += len;
  }
  return out;
}

function isZero(b: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

function nulAt(b: Buffer): number {
  const nul = b.indexOf(0);
  return nul === -1 ? b.length : nul;
}

function decode(b: Buffer, at: number): string {
  try {
    return utf8.decode(b);
  } catch {
    throw corrupt(at, 'a name that is not valid UTF-8');
  }
}

function text(b: Buffer, [start, len]: readonly [number, number], at: number): string {
  const field = b.subarray(start, start + len);
  return decode(field.subarray(0, nulAt(field)), at);
}

/** Octal digits, optionally led by spaces and ended by NUL or space; undefined otherwise. */
function octal(b: Buffer, [start, len]: readonly [number, number]): number | undefined {
  let i = start;
  const end = start + len;
  while (i < end && b[i] === 0x20) i++;
  let v = 0;
  let digits = 0;
  for (; i < end && b[i]! >= 0x30 && b[i]! <= 0x37; i++, digits++) v = v * 8 + (b[i]! - 0x30);
  if (digits === 0) return undefined;
  for (; i < end; i++) if (b[i] !== 0 && b[i] !== 0x20) return undefined;
  return v;
}

function number(b: Buffer, field: readonly [number, number], at: number, what: string): number {
  if (b[field[0]]! & 0x80) throw corrupt(at, `a base-256 ${what} field`);
  const v = octal(b, field);
  if (v === undefined) throw corrupt(at, `the ${what} field is not an octal number`);
  return v;
}

function decimal(s: string, at: number): number {
  if (!/^[0-9]{1,16}$/.test(s) || Number(s) > Number.MAX_SAFE_INTEGER) {
    throw corrupt(at, `bad pax size '${s}'`);
  }
  return Number(s);
}

export function corrupt(offset: number, what: string): UnsafeArchiveError {
  return new UnsafeArchiveError(`corrupt or unsupported tar archive near byte ${offset}: ${what}`);
}
