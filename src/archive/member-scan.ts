import { PassThrough, pipeline, type Writable } from 'node:stream';

import { UnsafeArchiveError } from '../errors.js';
import type { CompressionMethod } from './archiver.js';
import type { CompressorCommand } from './compression.js';
import type { MemberPolicy } from './member-policy.js';
import { describeProc, pipeIn, pipeOut, startProcess, stopProcess } from './processes.js';
import { readTarEntries } from './tar-entries.js';

/** A running check of every member header of a (compressed) archive fed to `input`. */
export interface MemberScan {
  /** The archive's bytes as stored (compressed), in order; end it after the last one. */
  input: Writable;
  /**
   * Resolves once every member passed the policy and the decompressor exited 0. Rejects with
   * UnsafeArchiveError for a refused member or a corrupt stream, as soon as either is seen.
   * Settles only once the decompressor has exited, however the scan ends.
   */
  done: Promise<void>;
  /** Give up: kill the decompressor and stop reading. `done` then rejects. */
  abort(): void;
}

/**
 * Starts the decompressor (none for plain tar) and the header parser behind it. Nothing is
 * written anywhere: the decompressed stream only passes through `readTarEntries`.
 */
export function startMemberScan(
  method: CompressionMethod,
  decompress: CompressorCommand | undefined,
  policy: MemberPolicy,
): MemberScan {
  if (!decompress) {
    const input = new PassThrough();
    return { input, done: checkAll(input, policy), abort: () => input.destroy() };
  }
  const dec = startProcess(decompress.program, decompress.program, decompress.args, [
    'pipe',
    'pipe',
    'pipe',
  ]);
  // Read stdout from the moment of spawn (see startProcess); the parser starts on it below.
  const source = pipeline(pipeOut(dec), new PassThrough(), () => undefined);
  const done = (async () => {
    try {
      await checkAll(source, policy);
    } catch (err) {
      stopProcess(dec);
      const exit = await dec.exit;
      // A truncated tar stream is usually the decompressor failing; say so.
      if (exit.error || (exit.code !== null && exit.code !== 0)) {
        throw new UnsafeArchiveError(
          `the ${method} archive is corrupt: ${describeProc(dec, exit)}`,
          {
            cause: err,
          },
        );
      }
      throw err;
    }
    const exit = await dec.exit;
    if (exit.code !== 0) {
      throw new UnsafeArchiveError(`the ${method} archive is corrupt: ${describeProc(dec, exit)}`);
    }
  })();
  return {
    input: pipeIn(dec),
    done,
    abort: () => {
      source.destroy();
      stopProcess(dec);
    },
  };
}

async function checkAll(source: AsyncIterable<Uint8Array>, policy: MemberPolicy): Promise<void> {
  for await (const entry of readTarEntries(source)) policy.check(entry);
}
