import { Writable } from 'node:stream';

import { ForwardingInput } from '../../../src/archive/forward-input.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A sink whose writes complete only when the test says so. */
function slowSink(): {
  sink: Writable;
  got: Buffer[];
  finishOne: () => void;
  ended: () => boolean;
} {
  const got: Buffer[] = [];
  const pending: (() => void)[] = [];
  let ended = false;
  const sink = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _enc, cb) {
      got.push(chunk);
      pending.push(() => cb());
    },
    final(cb) {
      ended = true;
      cb();
    },
  });
  return { sink, got, finishOne: () => pending.shift()?.(), ended: () => ended };
}

describe('ForwardingInput', () => {
  test('holds writes until a target exists, and calls back only once the target wrote them', async () => {
    const input = new ForwardingInput();
    const done: string[] = [];
    input.write(Buffer.from('a'), () => done.push('a'));
    input.write(Buffer.from('b'), () => done.push('b'));
    await tick();
    expect(done).toEqual([]);
    const { sink, got, finishOne, ended } = slowSink();
    input.forwardTo(sink, (err) => {
      throw err;
    });
    await tick();
    expect(got.map(String)).toEqual(['a']);
    expect(done).toEqual([]); // the sink has not finished writing 'a'
    finishOne();
    await tick();
    expect(done).toEqual(['a']);
    expect(got.map(String)).toEqual(['a', 'b']);
    finishOne();
    input.end();
    await tick();
    expect(done).toEqual(['a', 'b']);
    expect(ended()).toBe(true);
  });

  test('a failed write reports once and holds the input, as a broken pipe does', async () => {
    const input = new ForwardingInput();
    const sink = new Writable({
      write(_chunk, _enc, cb) {
        cb(new Error('EPIPE'));
      },
    });
    sink.on('error', () => undefined);
    const broken: string[] = [];
    input.forwardTo(sink, (err) => broken.push(err.message));
    const done: unknown[] = [];
    input.write(Buffer.from('x'), (err) => done.push(err));
    await tick();
    expect(broken).toEqual(['EPIPE']);
    expect(done).toEqual([]);
    input.destroy(new Error('stopped'));
    input.on('error', () => undefined);
  });

  test('as a ChunkSource: a write completes when the consumer releases it; destroy reports', async () => {
    const input = new ForwardingInput();
    input.on('error', () => undefined);
    const releases: (() => void)[] = [];
    const seen: string[] = [];
    const errors: string[] = [];
    let ended = false;
    input.chunks().start({
      chunk(data, release) {
        seen.push(String(data));
        releases.push(release);
        return true;
      },
      end: () => (ended = true),
      error: (err) => errors.push(err.message),
    });
    const done: string[] = [];
    input.write(Buffer.from('1'), () => done.push('1'));
    input.write(Buffer.from('2'), () => done.push('2'));
    await tick();
    expect(seen).toEqual(['1']);
    releases.shift()!();
    await tick();
    expect(done).toEqual(['1']);
    expect(seen).toEqual(['1', '2']);
    releases.shift()!();
    input.end();
    await tick();
    expect(ended).toBe(true);

    const other = new ForwardingInput();
    other.on('error', () => undefined);
    const otherErrors: string[] = [];
    other.chunks().start({
      chunk: () => true,
      end: () => undefined,
      error: (err) => otherErrors.push(err.message),
    });
    other.destroy(new Error('refused member'));
    await tick();
    expect(otherErrors).toEqual(['refused member']);
    expect(errors).toEqual([]);
  });

  test('as a ChunkSource, a pause holds the next chunk until resume()', async () => {
    const input = new ForwardingInput();
    const seen: string[] = [];
    const source = input.chunks();
    source.start({
      chunk(data, release) {
        seen.push(String(data));
        release();
        return false;
      },
      end: () => undefined,
      error: () => undefined,
    });
    input.write(Buffer.from('1'));
    input.write(Buffer.from('2'));
    await tick();
    expect(seen).toEqual(['1']);
    source.resume();
    await tick();
    expect(seen).toEqual(['1', '2']);
  });
});
