import { UnsafeArchiveError } from '../errors.js';

export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

export interface TarEntry {
  /** Member name as GNU tar resolves it (pax path > GNU long name > ustar prefix/name), trailing '/' removed. */
  name: string;
  type: TarEntryType;
  /** Link target of a symlink or hard link; '' otherwise. */
  linkName: string;
  /** Bytes of member data (0 for everything but files and symlinks). */
  size: number;
  /** The raw typeflag character, for messages about 'other' members. */
  typeflag: string;
}

export interface ReadTarOptions {
  /** Largest GNU long-name or pax header body accepted, to bound memory. */
  maxMetaSize?: number;
}

const BLOCK = 512;

/**
 * Streams the member headers of a plain (decompressed) tar, skipping file data, in bounded
 * memory. The point is to see exactly what GNU tar will extract, so wherever this parser and
 * GNU tar could disagree about where the next header starts or what a name is, it throws
 * instead of guessing:
 * - a bad header checksum (GNU tar would skip ahead and resync on a later header);
 * - directories, hard links or devices that claim data (GNU tar does not skip data for some);
 * - pax global headers that set path, linkpath or size (GNU tar applies them to every later
 *   member), GNU.* pax keywords (sparse files carry their real name in GNU.sparse.name);
 * - two GNU long names or two pax headers for one member, and metadata with no member after it.
 * Like GNU tar it stops at the first zero block; it then reads the source to its end, so a
 * decompressor upstream can verify its checksum.
 */
export async function* readTarEntries(
  source: AsyncIterable<Uint8Array>,
  options: ReadTarOptions = {},
): AsyncGenerator<TarEntry> {
  const maxMeta = options.maxMetaSize ?? 1024 * 1024;
  const reader = new BlockReader(source[Symbol.asyncIterator]());
  let finished = false;
  try {
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax: Map<string, string> | undefined;
    for (let offset = 0; ;) {
      const block = await reader.read(BLOCK);
      if (block.length > 0 && block.length < BLOCK) throw corrupt(offset, 'archive is truncated');
      if (block.length === 0 || isEndBlock(block)) {
        if (longName !== undefined || longLink !== undefined || pax) {
          throw corrupt(offset, 'archive ends after a long name or pax header');
        }
        break;
      }
      const h = parseHeader(block, offset);
      offset += BLOCK;

      if ('LKxXg'.includes(h.typeflag)) {
        if (h.size > maxMeta) {
          throw corrupt(offset, `'${h.typeflag}' header of ${h.size} bytes exceeds ${maxMeta}`);
        }
        const body = await reader.read(h.size);
        if (body.length < h.size) throw corrupt(offset, 'archive is truncated');
        await skipOrThrow(reader, padding(h.size), offset);
        offset += h.size + padding(h.size);
        switch (h.typeflag) {
          case 'L':
            if (longName !== undefined) throw corrupt(offset, 'two GNU long names in a row');
            longName = cString(body);
            break;
          case 'K':
            if (longLink !== undefined) throw corrupt(offset, 'two GNU long link names in a row');
            longLink = cString(body);
            break;
          case 'g':
            for (const key of parsePax(body, offset).keys()) {
              if (
                key === 'path' ||
                key === 'linkpath' ||
                key === 'size' ||
                key.startsWith('GNU.')
              ) {
                throw corrupt(offset, `pax global header sets '${key}' for every later member`);
              }
            }
            break;
          default:
            if (pax) throw corrupt(offset, 'two pax headers in a row');
            pax = parsePax(body, offset);
            for (const key of pax.keys()) {
              if (key.startsWith('GNU.')) throw corrupt(offset, `unsupported pax keyword '${key}'`);
            }
        }
        continue;
      }

      let name = pax?.get('path') ?? longName ?? h.name;
      const linkName = pax?.get('linkpath') ?? longLink ?? h.linkName;
      const paxSize = pax?.get('size');
      longName = longLink = pax = undefined;
      if (name.includes('\0') || linkName.includes('\0')) throw corrupt(offset, 'NUL in a name');

      // GNU tar strips trailing slashes, and extracts a "file" that had one as a directory.
      const stripped = name.length > 1 ? name.replace(/\/+$/, '') : name;
      const hadSlash = stripped !== name;
      name = stripped || '/';
      let type = typeOf(h.typeflag, offset);
      if (type === 'file' && hadSlash) type = 'dir';

      // GNU tar treats a hard link's size as 0 and does not skip data after a directory.
      const size = paxSize !== undefined ? parseDecimal(paxSize, offset) : h.size;
      if (size !== 0 && type !== 'file' && type !== 'symlink') {
        throw corrupt(offset, `${describeType(h.typeflag)} '${name}' claims ${size} bytes of data`);
      }

      yield {
        name,
        type,
        linkName: type === 'symlink' || type === 'hardlink' ? linkName : '',
        size,
        typeflag: h.typeflag,
      };
      await skipOrThrow(reader, size + padding(size), offset);
      offset += size + padding(size);
    }
    // Drain whatever follows the end marker (GNU tar ignores it too).
    while (await reader.skip(64 * 1024)) {
      /* discard */
    }
    finished = true;
  } finally {
    if (!finished) await reader.release();
  }
}

interface RawHeader {
  name: string;
  linkName: string;
  size: number;
  typeflag: string;
}

function parseHeader(b: Buffer, offset: number): RawHeader {
  const recorded = parseOctal(b, 148, 8);
  if (recorded === undefined) throw corrupt(offset, 'header checksum is not a number');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const v = i >= 148 && i < 156 ? 0x20 : b[i]!;
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  // GNU tar accepts either sum: some old tars summed signed chars.
  if (recorded !== unsigned && recorded !== signed) {
    throw corrupt(offset, 'header checksum mismatch');
  }

  const typeflag = String.fromCharCode(b[156]!);
  const size = parseNumber(b, 124, 12);
  if (size === undefined) throw corrupt(offset, 'header size is not a number');
  // Only POSIX ustar ("ustar\0") has a prefix field; old GNU headers reuse those bytes.
  const posix = b.toString('latin1', 257, 263) === 'ustar\0';
  let name = cString(b.subarray(0, 100));
  if (posix && b[345] !== 0) name = `${cString(b.subarray(345, 500))}/${name}`;
  return { name, linkName: cString(b.subarray(157, 257)), size, typeflag };
}

function typeOf(flag: string, offset: number): TarEntryType {
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
    case '3':
    case '4':
    case '6':
      return 'other';
    default:
      // Sparse, multi-volume, dumpdir and vendor types have data layouts of their own.
      throw corrupt(offset, `unsupported member type '${flag}'`);
  }
}

function describeType(flag: string): string {
  const names: Record<string, string> = {
    '1': 'hard link',
    '2': 'symlink',
    '3': 'character device',
    '4': 'block device',
    '5': 'directory',
    '6': 'FIFO',
  };
  return names[flag] ?? `member of type '${flag === '\0' ? '\\0' : flag}'`;
}

/** What tar calls a member type, for messages ("character device", "FIFO"). */
export function describeEntryType(entry: TarEntry): string {
  return describeType(entry.typeflag);
}

// GNU tar ends the archive at a block whose bytes outside the checksum field are all zero.
function isEndBlock(b: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) {
    if ((i < 148 || i >= 156) && b[i] !== 0) return false;
  }
  return true;
}

function cString(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.toString('utf8', 0, nul === -1 ? b.length : nul);
}

/** Octal (optionally space-led, then NUL/space-terminated) or GNU base-256. */
function parseNumber(b: Buffer, at: number, len: number): number | undefined {
  if (b[at] === 0x80) {
    let v = 0n;
    for (let i = at + 1; i < at + len; i++) v = (v << 8n) | BigInt(b[i]!);
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
  }
  return parseOctal(b, at, len);
}

function parseOctal(b: Buffer, at: number, len: number): number | undefined {
  let i = at;
  const end = at + len;
  while (i < end && b[i] === 0x20) i++;
  let v = 0;
  let digits = 0;
  for (; i < end && b[i]! >= 0x30 && b[i]! <= 0x37; i++, digits++) v = v * 8 + (b[i]! - 0x30);
  if (digits === 0 || v > Number.MAX_SAFE_INTEGER) return undefined;
  for (; i < end; i++) if (b[i] !== 0 && b[i] !== 0x20) return undefined;
  return v;
}

function parseDecimal(s: string, offset: number): number {
  if (!/^[0-9]{1,16}$/.test(s) || Number(s) > Number.MAX_SAFE_INTEGER) {
    throw corrupt(offset, `bad pax size '${s}'`);
  }
  return Number(s);
}

/** "<len> <key>=<value>\n" records; any malformed record is an error, as in GNU tar. */
function parsePax(body: Buffer, offset: number): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < body.length) {
    // GNU tar stops at a NUL where a record should start (padding some writers count in size).
    if (body[i] === 0) break;
    const space = body.indexOf(0x20, i);
    const lenText = space === -1 ? '' : body.toString('latin1', i, space);
    const len = /^[0-9]{1,9}$/.test(lenText) ? Number(lenText) : NaN;
    if (!(len > 0) || i + len > body.length || body[i + len - 1] !== 0x0a) {
      throw corrupt(offset, 'malformed pax header record');
    }
    const record = body.subarray(space + 1, i + len - 1);
    const eq = record.indexOf(0x3d);
    // GNU tar skips extra blanks before the keyword and cuts it at a NUL; refuse both forms
    // rather than read a different keyword than tar does.
    const keyBytes = record.subarray(0, Math.max(eq, 0));
    if (eq <= 0 || keyBytes.includes(0) || keyBytes[0] === 0x20 || keyBytes[0] === 0x09) {
      throw corrupt(offset, 'malformed pax header record');
    }
    const key = record.toString('utf8', 0, eq);
    const value = record.toString('utf8', eq + 1);
    if ((key === 'path' || key === 'linkpath') && (value === '' || value.includes('\0'))) {
      throw corrupt(offset, `pax '${key}' is empty or holds a NUL`);
    }
    out.set(key, value);
    i += len;
  }
  return out;
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

async function skipOrThrow(reader: BlockReader, n: number, offset: number): Promise<void> {
  if ((await reader.skipExactly(n)) < n) throw corrupt(offset, 'archive is truncated');
}

function corrupt(offset: number, what: string): UnsafeArchiveError {
  return new UnsafeArchiveError(`corrupt or unsupported tar archive near byte ${offset}: ${what}`);
}

/** Pulls bytes from an async iterator; keeps at most one request's worth buffered. */
class BlockReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;

  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  private async pull(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    const chunk = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    return true;
  }

  /** Up to `n` bytes: fewer only when the input ends first. */
  async read(n: number): Promise<Buffer> {
    while (this.buffered < n && (await this.pull())) {
      /* fill */
    }
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const out = all.subarray(0, n);
    const rest = all.subarray(out.length);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  /** Discards up to `n` bytes; returns how many were discarded. */
  async skipExactly(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0 && !(await this.pull())) break;
      const head = this.chunks[0];
      if (!head) continue;
      const take = Math.min(left, head.length);
      if (take === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(take);
      this.buffered -= take;
      left -= take;
    }
    return n - left;
  }

  /** Discards up to `n` bytes; false once the input is exhausted. */
  async skip(n: number): Promise<boolean> {
    return (await this.skipExactly(n)) > 0;
  }

  async release(): Promise<void> {
    await this.it.return?.();
  }
}
