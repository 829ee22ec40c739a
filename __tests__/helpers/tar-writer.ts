/**
 * A tiny tar writer for tests: builds exactly the headers a test asks for (including malformed
 * and malicious ones) so the parser and the extraction policy can be tested against archives
 * GNU tar would never write.
 */

export interface HeaderFields {
  name: string;
  /** Typeflag character; default '0' (regular file). */
  typeflag?: string;
  size?: number;
  linkName?: string;
  /** ustar prefix field (only honoured with the POSIX magic). */
  prefix?: string;
  mode?: number;
  mtime?: number;
  /** 'ustar' = POSIX "ustar\0" "00"; 'gnu' = old GNU "ustar  \0"; 'v7' = no magic. */
  format?: 'ustar' | 'gnu' | 'v7';
  /** Replace the checksum field with this octal number (to corrupt it). */
  checksum?: number;
  /** Write the size field as GNU base-256 instead of octal. */
  base256Size?: boolean;
}

const BLOCK = 512;

function putString(b: Buffer, at: number, len: number, s: string): void {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length > len) throw new Error(`'${s}' does not fit in ${len} bytes`);
  bytes.copy(b, at);
}

function putOctal(b: Buffer, at: number, len: number, n: number): void {
  putString(b, at, len, `${n.toString(8).padStart(len - 1, '0')}\0`);
}

export function header(f: HeaderFields): Buffer {
  const b = Buffer.alloc(BLOCK);
  putString(b, 0, 100, f.name);
  putOctal(b, 100, 8, f.mode ?? 0o644);
  putOctal(b, 108, 8, 0);
  putOctal(b, 116, 8, 0);
  const size = f.size ?? 0;
  if (f.base256Size) {
    b[124] = 0x80;
    b.writeBigUInt64BE(BigInt(size), 128);
  } else {
    putOctal(b, 124, 12, size);
  }
  putOctal(b, 136, 12, f.mtime ?? 1_000_000_000);
  b[156] = (f.typeflag ?? '0').charCodeAt(0);
  putString(b, 157, 100, f.linkName ?? '');
  const format = f.format ?? 'ustar';
  if (format === 'ustar') {
    putString(b, 257, 8, 'ustar\x0000');
    if (f.prefix) putString(b, 345, 155, f.prefix);
  } else if (format === 'gnu') {
    putString(b, 257, 8, 'ustar  \0');
  }
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  putString(b, 148, 8, `${(f.checksum ?? sum).toString(8).padStart(6, '0')}\0 `);
  return b;
}

function pad(data: Buffer): Buffer {
  const rest = (BLOCK - (data.length % BLOCK)) % BLOCK;
  return Buffer.concat([data, Buffer.alloc(rest)]);
}

/** Header plus padded data; `size` defaults to the data length. */
export function entry(f: HeaderFields, data: Buffer | string = ''): Buffer {
  const bytes = Buffer.from(data);
  return Buffer.concat([header({ size: bytes.length, ...f }), pad(bytes)]);
}

export const file = (name: string, data: Buffer | string = '', extra: Partial<HeaderFields> = {}) =>
  entry({ name, ...extra }, data);
export const dir = (name: string) => entry({ name, typeflag: '5', mode: 0o755 });
export const symlink = (name: string, target: string) =>
  entry({ name, typeflag: '2', linkName: target, mode: 0o777 });
export const hardlink = (name: string, target: string) =>
  entry({ name, typeflag: '1', linkName: target });
export const fifo = (name: string) => entry({ name, typeflag: '6' });
export const charDevice = (name: string) => entry({ name, typeflag: '3' });

/** Encodes pax records ("<len> <key>=<value>\n", the length counting itself). */
export function paxRecords(records: Record<string, string> | [string, string][]): Buffer {
  const pairs = Array.isArray(records) ? records : Object.entries(records);
  return Buffer.concat(
    pairs.map(([k, v]) => {
      const body = ` ${k}=${v}\n`;
      const bodyLen = Buffer.byteLength(body);
      let n = bodyLen + 1;
      while (String(n).length + bodyLen !== n) n++;
      return Buffer.from(`${n}${body}`);
    }),
  );
}

/** A pax extended ('x') or global ('g') header with its records. */
export function pax(records: Record<string, string> | [string, string][], typeflag = 'x'): Buffer {
  return entry({ name: 'PaxHeaders/x', typeflag }, paxRecords(records));
}

/** A GNU long name ('L') or long link name ('K') header. */
export function gnuLong(name: string, typeflag: 'L' | 'K' = 'L'): Buffer {
  return entry({ name: '././@LongLink', typeflag, format: 'gnu' }, `${name}\0`);
}

export const END = Buffer.alloc(2 * BLOCK);

/** Concatenates parts and appends the two zero blocks that end an archive. */
export function tarball(...parts: Buffer[]): Buffer {
  return Buffer.concat([...parts, END]);
}
