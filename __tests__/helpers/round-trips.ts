import type { Readable } from 'node:stream';

import type {
  Backend,
  GetOptions,
  IncompleteUpload,
  ObjectInfo,
  PutOptions,
} from '../../src/storage/backend.js';

/**
 * Wraps a Backend and counts sequential round trips, not time: a request sent after another one
 * was answered is one round later than it. Requests sent together share a round, so `rounds` is
 * what a link with a fixed latency per request would charge. Each answer arrives on a later
 * macrotask, as it would from a socket.
 */
export class RoundTrips implements Backend {
  readonly description: string;
  /** Deepest round any request has been in. */
  rounds = 0;
  /** Requests sent, as "stat NAME" / "list PREFIX" / ..., with their round. */
  readonly log: { call: string; round: number }[] = [];
  private answered = 0;

  constructor(
    private readonly inner: Backend,
    /** Called with each request before it is answered; may throw to inject a failure. */
    private readonly onRequest: (call: string) => void = () => undefined,
    /** Holds a request's answer back until this settles (a slow link, for one request). */
    private readonly hold: (call: string) => Promise<void> = () => Promise.resolve(),
  ) {
    this.description = inner.description;
  }

  private async trip<T>(call: string, f: () => Promise<T>): Promise<T> {
    const round = this.answered + 1;
    this.rounds = Math.max(this.rounds, round);
    this.log.push({ call, round });
    await new Promise((r) => setImmediate(r));
    await this.hold(call);
    try {
      this.onRequest(call);
      return await f();
    } finally {
      this.answered = Math.max(this.answered, round);
    }
  }

  stat(name: string): Promise<ObjectInfo | undefined> {
    return this.trip(`stat ${name}`, () => this.inner.stat(name));
  }
  list(prefix: string): Promise<ObjectInfo[]> {
    return this.trip(`list ${prefix}`, () => this.inner.list(prefix));
  }
  get(name: string, opts?: GetOptions): Promise<Readable> {
    return this.trip(`get ${name}`, () => this.inner.get(name, opts));
  }
  put(name: string, body: Readable, opts?: PutOptions): Promise<void> {
    return this.trip(`put ${name}`, () => this.inner.put(name, body, opts));
  }
  delete(name: string): Promise<void> {
    return this.trip(`delete ${name}`, () => this.inner.delete(name));
  }
  listIncompleteUploads(prefix: string): Promise<IncompleteUpload[]> {
    return this.trip(`uploads ${prefix}`, () => this.inner.listIncompleteUploads(prefix));
  }
  abortIncompleteUpload(upload: IncompleteUpload): Promise<void> {
    return this.trip(`abort ${upload.name}`, () => this.inner.abortIncompleteUpload(upload));
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
