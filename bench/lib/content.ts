import { createCipheriv } from 'node:crypto';

/** A small seeded PRNG (mulberry32): the same tree on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Incompressible bytes, seeded (AES-CTR over zeros): binaries, images, wasm. */
export function noise(seed: number): (size: number) => Buffer {
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(seed >>> 0, 0);
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), iv);
  return (size) => cipher.update(Buffer.alloc(size));
}

/**
 * Source-like text: lines of identifiers and punctuation drawn from a vocabulary, so it
 * compresses about as well as JavaScript does with zstd -3. Files take slices of one pool much
 * larger than zstd's window, so slices rarely repeat each other within reach.
 */
export function textPool(bytes: number, seed: number): Buffer {
  const rand = prng(seed);
  const syllables = ['ka', 'lo', 're', 'mi', 'tu', 'an', 'ex', 'or', 'is', 'ul', 'pe', 'zo', 'qu'];
  const vocab = Array.from({ length: 2000 }, () => {
    let w = '';
    for (let n = 1 + Math.floor(rand() * 4); n > 0; n--) w += syllables[Math.floor(rand() * 13)];
    return rand() < 0.3 ? w[0]!.toUpperCase() + w.slice(1) : w;
  });
  const keywords = ['const ', 'return ', 'function ', 'if (', 'export ', 'await ', 'this.'];
  const punct = [' = ', '(', ');', ', ', '.', ' => ', ' + ', '[', '];', ': ', ' {', '}'];
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    let line = '  '.repeat(Math.floor(rand() * 4)) + keywords[Math.floor(rand() * 7)];
    for (let n = 2 + Math.floor(rand() * 8); n > 0; n--) {
      // Zipf-like: common words are much more common, as in code.
      line += vocab[Math.floor(vocab.length * rand() ** 4)]! + punct[Math.floor(rand() * 12)];
    }
    parts.push(line, '\n');
    size += line.length + 1;
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}
