import { Writable } from 'node:stream';

import type { ChunkHandlers, ChunkSource } from '../util/chunks.js';

type Done = (err?: Error | null) => void;

interface Target {
  write(chunk: Buffer, done: Done): void;
  end(done: Done): void;
  destroyed(err: Error): void;
}

/**
 * The extraction's input. Each chunk written goes on to one target (the decompressor's stdin,
 * or the member gate), and its write callback fires only once the target is done with the
 * bytes: a writer may reuse the buffer then, which is what lets a download lend its buffers.
 * What arrives before the target exists waits here; backpressure then reaches the download.
 */
export class ForwardingInput extends Writable {
  private target?: Target;
  private waiting?: { chunk: Buffer; done: Done };
  private ending?: Done;

  constructor() {
    super({ highWaterMark: 1024 * 1024 });
  }

  /**
   * Forward into `sink`. A failed write reports to `broken` and holds the input where it is,
   * as a broken pipe would: the processes' exit statuses then say what happened.
   */
  forwardTo(sink: Writable, broken: (err: Error) => void): void {
    this.attach({
      write: (chunk, done) => sink.write(chunk, (err) => (err ? broken(err) : done())),
      end: (done) => {
        sink.end();
        done();
      },
      destroyed: () => undefined,
    });
  }

  /** The input as a ChunkSource (for the gate, when nothing needs decompressing). */
  chunks(): ChunkSource {
    let handlers: ChunkHandlers | undefined;
    let paused = false;
    let held: { chunk: Buffer; done: Done } | undefined;
    const deliver = (chunk: Buffer, done: Done): void => {
      if (paused) {
        held = { chunk, done };
        return;
      }
      if (!handlers!.chunk(chunk, () => done())) paused = true;
    };
    return {
      start: (h) => {
        handlers = h;
        this.attach({
          write: deliver,
          end: (done) => {
            h.end();
            done();
          },
          destroyed: (err) => h.error(err),
        });
      },
      resume: () => {
        paused = false;
        const next = held;
        held = undefined;
        if (next) deliver(next.chunk, next.done);
      },
    };
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: Done): void {
    if (this.target) this.target.write(chunk, done);
    else this.waiting = { chunk, done };
  }

  override _final(done: Done): void {
    if (this.target) this.target.end(done);
    else this.ending = done;
  }

  override _destroy(err: Error | null, done: Done): void {
    const target = this.target;
    // After 'error': whoever destroyed us must be on record as the cause before the target's
    // consumer reacts (the gate's feed stops the processes, which would make it look like ours).
    if (err && target) this.once('close', () => target.destroyed(err));
    done(err);
  }

  private attach(target: Target): void {
    this.target = target;
    // Writable calls _final only after every write completed: at most one of these is set.
    const { waiting, ending } = this;
    this.waiting = this.ending = undefined;
    if (waiting) target.write(waiting.chunk, waiting.done);
    if (ending) target.end(ending);
  }
}
