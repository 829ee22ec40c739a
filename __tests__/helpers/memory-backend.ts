import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';

import { AlreadyExistsError, NotFoundError } from '../../src/errors.js';
import type {
  Backend,
  GetOptions,
  IncompleteUpload,
  ObjectInfo,
  PutOptions,
} from '../../src/storage/backend.js';

/**
 * In-memory Backend with a controllable clock and injectable faults. It runs the same contract
 * suite as the real backends, so unit tests that trust it trust real behaviour.
 */
export class MemoryBackend implements Backend {
  readonly description = 'memory://';
  readonly objects = new Map<string, { data: Buffer; lastModified: Date }>();
  /** Current time used for lastModified; tests move it forward. */
  now = new Date(Math.floor(Date.now() / 1000) * 1000);
  /** Names whose next put fails after consuming the body (simulated network failure). */
  readonly failPutOnce = new Set<string>();
  /** Uploads begun and never committed, by id (tests add them with abandonUpload). */
  readonly uploads = new Map<string, IncompleteUpload>();
  /** Calls made, for assertions on the order of operations. */
  readonly calls: string[] = [];

  async stat(name: string): Promise<ObjectInfo | undefined> {
    this.calls.push(`stat ${name}`);
    const o = this.objects.get(name);
    return o ? { name, size: o.data.length, lastModified: o.lastModified } : undefined;
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    this.calls.push(`list ${prefix}`);
    return [...this.objects.entries()]
      .filter(([name]) => name.startsWith(prefix))
      .map(([name, o]) => ({ name, size: o.data.length, lastModified: o.lastModified }));
  }

  async get(name: string, _opts?: GetOptions): Promise<Readable> {
    this.calls.push(`get ${name}`);
    const o = this.objects.get(name);
    if (!o) throw new NotFoundError(name);
    return Readable.from([o.data]);
  }

  async put(name: string, body: Readable, opts: PutOptions = {}): Promise<void> {
    this.calls.push(`put ${name}`);
    // Like a real store: an abort stops consuming the body and commits nothing.
    const data = await new Promise<Buffer>((resolve, reject) => {
      const onAbort = (): void => {
        body.destroy();
        reject(opts.signal?.reason instanceof Error ? opts.signal.reason : new Error('aborted'));
      };
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      buffer(body).then(resolve, reject);
    });
    if (this.failPutOnce.delete(name)) throw new Error(`injected put failure for ${name}`);
    if (opts.ifAbsent && this.objects.has(name)) throw new AlreadyExistsError(name);
    this.objects.set(name, { data, lastModified: new Date(this.now) });
  }

  async delete(name: string): Promise<void> {
    this.calls.push(`delete ${name}`);
    this.objects.delete(name);
  }

  async listIncompleteUploads(prefix: string): Promise<IncompleteUpload[]> {
    this.calls.push(`list-uploads ${prefix}`);
    return [...this.uploads.values()].filter((u) => u.name?.startsWith(prefix) ?? true);
  }

  async abortIncompleteUpload(upload: IncompleteUpload): Promise<void> {
    this.calls.push(`abort-upload ${upload.name ?? upload.id}`);
    this.uploads.delete(upload.id);
  }

  /** Leave an upload of `name` begun and never committed, as a killed save would. */
  abandonUpload(name: string, started: Date = this.now): IncompleteUpload {
    const upload = { name, id: `upload-${this.uploads.size + 1}`, started: new Date(started) };
    this.uploads.set(upload.id, upload);
    return upload;
  }

  async close(): Promise<void> {}

  /** Advance the clock, so later writes are "newer". */
  tick(seconds = 1): void {
    this.now = new Date(this.now.getTime() + seconds * 1000);
  }
}
