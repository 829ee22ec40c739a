import type { Writable } from 'node:stream';

import type { ChunkSource } from '../util/chunks.js';
import type { TarGate } from './tar-gate.js';

/**
 * How far Node may run ahead of tar: canonical bytes queued for tar's stdin beyond this pause
 * the source until tar drains them, so memory stays bounded and a slow disk slows the download
 * instead of filling RAM.
 */
const TAR_QUEUE_BYTES = 4 * 1024 * 1024;

const STOPPED_READING = 'tar stopped reading the archive';

/**
 * Pumps the plain tar stream from `source` through the gate into tar's stdin (`sink`). A
 * source chunk is released, and the gate's batches reused, once the writes that carry their
 * bytes have finished. The gate's refusal goes to `refused` before anything is let go, so it is
 * the failure on record; resolves with the error that broke reading or writing, if any.
 */
export function feedGate(
  source: ChunkSource,
  gate: TarGate,
  sink: Writable,
  refused: (err: Error) => void,
  atEnd: () => Promise<unknown>,
): Promise<Error | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    let ended = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      sink.off('drain', onDrain);
      sink.off('close', onClose);
      resolve(err);
    };
    const broken = (): boolean => sink.destroyed || sink.writableEnded;
    const onDrain = (): void => source.resume();
    // tar went away while we wait for it to drain: nothing else would wake us.
    const onClose = (): void => {
      if (!ended) finish(new Error(STOPPED_READING));
    };
    sink.on('drain', onDrain);
    sink.on('close', onClose);

    const write = (out: Buffer[], release: () => void): void => {
      if (out.length === 0) return release();
      sink.cork();
      const last = out.length - 1;
      for (let i = 0; i < last; i++) sink.write(out[i]);
      sink.write(out[last], () => {
        gate.written();
        release();
      });
      sink.uncork();
    };

    source.start({
      chunk(data, release) {
        if (settled) {
          release();
          return false;
        }
        if (broken()) {
          release();
          finish(new Error(STOPPED_READING));
          return false;
        }
        let out: Buffer[];
        try {
          out = gate.write(data);
        } catch (err) {
          release();
          refused(asError(err));
          finish();
          return false;
        }
        write(out, release);
        return sink.writableLength <= TAR_QUEUE_BYTES;
      },
      end() {
        if (settled) return;
        let last: Buffer[];
        try {
          last = gate.end();
        } catch (err) {
          // The stream ended early: a decompressor that failed says why better than the gate.
          void atEnd()
            .then(() => refused(asError(err)))
            .finally(() => finish());
          return;
        }
        if (broken()) return finish(new Error(STOPPED_READING));
        ended = true;
        write(last, () => undefined);
        sink.end();
        finish();
      },
      error(err) {
        // After the end marker went out, tar's exit decides; do not cut its input short.
        if (ended) return;
        sink.destroy();
        finish(asError(err));
      },
    });
  });
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
