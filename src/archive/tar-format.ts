/**
 * The tar header layout both sides of the restore gate share: the parser reads untrusted ustar
 * and pax headers with it, and the canonical writer produces the only headers tar ever parses.
 */

export const BLOCK = 512;

/** Two zero blocks: the end-of-archive marker. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

/** Member types the gate understands; everything else is refused. */
export type MemberType = 'file' | 'dir' | 'symlink' | 'hardlink';

/** Field offsets and lengths of a ustar header block. */
export const F = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  chksum: [148, 8],
  typeflag: [156, 1],
  linkname: [157, 100],
  magic: [257, 6],
  version: [263, 2],
  prefix: [345, 155],
} as const satisfies Record<string, readonly [number, number]>;

/** Largest value an 11-digit octal field holds (8 GiB - 1). */
export const MAX_OCTAL_11 = 0o77777777777;

/** Bytes of zero padding after `size` bytes of data. */
export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** A zero buffer to slice padding from. */
export const ZEROS = Buffer.alloc(BLOCK);

/** The header checksum as POSIX defines it: the byte sum, the checksum field counted as spaces. */
export function unsignedSum(b: Buffer): number {
  let sum = 8 * 0x20;
  for (let i = 0; i < 148; i++) sum += b[i]!;
  for (let i = 156; i < BLOCK; i++) sum += b[i]!;
  return sum;
}

/** Both checksums old tars wrote: over unsigned and over signed bytes. */
export function headerSums(b: Buffer): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const v = i >= 148 && i < 156 ? 0x20 : b[i]!;
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  return { unsigned, signed };
}
