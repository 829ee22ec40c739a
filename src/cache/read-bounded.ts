import type { Readable } from 'node:stream';

import { UnsafeArchiveError } from '../errors.js';

/** Reads a small object whose size was not known up front, refusing it past `max` bytes. */
export async function readBounded(body: Readable, max: number, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += (chunk as Buffer).length;
    if (total > max) {
      body.destroy();
      throw new UnsafeArchiveError(`${name} is larger than ${max} bytes; refusing to read it`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
