import { createHash } from 'node:crypto';

import { FormatVersion, Inputs, Limits } from '../constants.js';
import { ValidationError } from '../errors.js';

/**
 * Keys follow actions/cache's rules so that a workflow valid there is valid here: a key is
 * required, each key is at most 512 characters with no commas, and there are at most 10 keys in
 * all. Control characters are refused too: they cannot be shown in a log line.
 */
export function validateKeys(primaryKey: string, restoreKeys: readonly string[]): void {
  if (!primaryKey) {
    throw new ValidationError('Input required and not supplied: key', Inputs.Key);
  }
  const all = [primaryKey, ...restoreKeys];
  if (all.length > Limits.maxKeys) {
    throw new ValidationError(
      `Key Validation Error: Keys are limited to a maximum of ${Limits.maxKeys} (key plus restore-keys); got ${all.length}.`,
      Inputs.RestoreKeys,
    );
  }
  for (const [i, key] of all.entries()) {
    const input = i === 0 ? Inputs.Key : Inputs.RestoreKeys;
    if (key.length > Limits.maxKeyLength) {
      throw new ValidationError(
        `Key Validation Error: ${shorten(key)} cannot be larger than ${Limits.maxKeyLength} characters.`,
        input,
      );
    }
    if (key.includes(',')) {
      throw new ValidationError(`Key Validation Error: ${key} cannot contain commas.`, input);
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(key)) {
      throw new ValidationError(
        `Key Validation Error: ${JSON.stringify(key)} contains a control character.`,
        input,
      );
    }
  }
}

function shorten(key: string): string {
  return key.length > 60 ? `${key.slice(0, 57)}...` : key;
}

/**
 * The version hash: entries are only visible to a runner that can unpack them into the same
 * paths with the same compressor. The platform is left out with enableCrossOsArchive.
 */
export function cacheVersion(opts: {
  paths: readonly string[];
  compression: string;
  enableCrossOsArchive: boolean;
  platform: NodeJS.Platform;
}): string {
  const parts = [...opts.paths, opts.compression];
  if (!opts.enableCrossOsArchive) parts.push(opts.platform === 'win32' ? 'windows' : 'posix');
  parts.push(`bucket-cache-format-${FormatVersion}`);
  return createHash('sha256').update(parts.join('|')).digest('hex');
}

const SAFE = /[A-Za-z0-9_.-]/;

/**
 * Encodes one name segment so it can never contain '/' or be '.' or '..': every character outside
 * [A-Za-z0-9_.-] becomes %XX per UTF-8 byte, and a leading '.' is encoded too. The encoding is
 * per character, so encode(a) is a prefix of encode(a + b): restore keys still match as
 * prefixes in the store's listing.
 */
export function encodeSegment(value: string): string {
  let out = '';
  let first = true;
  for (const ch of value) {
    if (SAFE.test(ch) && !(first && ch === '.')) {
      out += ch;
    } else {
      for (const byte of Buffer.from(ch, 'utf8')) {
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
      }
    }
    first = false;
  }
  return out;
}

export function decodeSegment(encoded: string): string {
  return decodeURIComponent(encoded);
}
