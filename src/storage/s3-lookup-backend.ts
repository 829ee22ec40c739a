import { Readable } from 'node:stream';

import { NotFoundError, StorageError, TimeoutError } from '../errors.js';
import type { S3Storage, TransferSettings } from '../settings.js';
import type { Backend, GetOptions, IncompleteUpload, ObjectInfo, PutOptions } from './backend.js';
import type { S3Backend } from './s3-backend.js';
import { linkedSignal, MAX_ATTEMPTS, readExactly } from './s3-common.js';
import { describeS3Error, isMissingObject, type Operation, statusOf } from './s3-errors.js';
import { S3Lite } from './s3-lite.js';
import { type LiteRoute, routeLookups } from './s3-lite-route.js';
import { newBytes, type Watchdog, watchdog } from './watchdog.js';

/**
 * Objects read without the SDK: small ones of known size (a manifest is at most 256 KiB), read
 * whole. Archives of any real size, and anything read in ranges, go through S3Backend.
 */
const LITE_GET_MAX = 256 * 1024;

/**
 * The S3 backend for a step: lookups (stat, list) without the SDK when routeLookups proves
 * that equivalent, else S3Backend as it is. Loading the SDK is most of what a miss costs.
 */
export async function createS3Backend(
  storage: S3Storage,
  transfer: TransferSettings,
): Promise<Backend> {
  const decision = routeLookups(storage);
  if ('route' in decision) return new S3LookupBackend(storage, transfer, decision.route);
  const { S3Backend } = await import('./s3-backend.js');
  return new S3Backend(storage, transfer);
}

/**
 * stat, list and reads of small objects (manifests) through S3Lite, with S3Backend's semantics
 * (its watchdogs, its 403 rule, its retries of a broken body, its error mapping); archive
 * transfers, deletes and upload housekeeping through S3Backend, whose SDK is loaded on first
 * use: a hit loads it after the lookup and the manifest read.
 */
export class S3LookupBackend implements Backend {
  readonly description: string;
  private readonly lite: S3Lite;
  private sdk?: Promise<S3Backend>;

  constructor(
    private readonly storage: S3Storage,
    private readonly transfer: TransferSettings,
    route: LiteRoute,
  ) {
    this.description = `s3://${storage.bucket}${storage.endpoint ? ` at ${storage.endpoint}` : ''}`;
    this.lite = new S3Lite(route, {
      maxAttempts: MAX_ATTEMPTS,
      stallTimeoutMs: transfer.stallTimeoutMs,
      maxSockets: Math.max(50, 2 * transfer.concurrency),
    });
  }

  async stat(name: string): Promise<ObjectInfo | undefined> {
    const watch = this.watch('stat', name);
    try {
      const out = await this.lite.head(name, watch.signal);
      return {
        name,
        size: out.size ?? 0,
        lastModified: out.lastModified ?? new Date(0),
        etag: out.etag,
      };
    } catch (err) {
      if (isMissingObject(err)) return undefined;
      if (statusOf(err) === 403 && !watch.signal.aborted) {
        return this.statByListing(name, err, watch.signal);
      }
      throw this.fail(err, 'stat', name, watch.signal);
    } finally {
      watch.dispose();
    }
  }

  /** As S3Backend: a 403 on HEAD may be a miss under a prefix-limited ListBucket; a listing tells. */
  private async statByListing(
    name: string,
    headError: unknown,
    signal: AbortSignal,
  ): Promise<undefined> {
    let page;
    try {
      page = await this.lite.listPage(name, undefined, signal, 1);
    } catch (err) {
      throw this.fail(err, 'stat', name, signal);
    }
    if (page.objects.some((o) => o.key === name)) throw this.fail(headError, 'stat', name);
    return undefined;
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const found: ObjectInfo[] = [];
    let token: string | undefined;
    const watch = this.watch('list', prefix);
    try {
      do {
        const page = await this.lite.listPage(prefix, token, watch.signal);
        watch.touch();
        for (const o of page.objects) {
          found.push({
            name: o.key,
            size: o.size ?? 0,
            lastModified: o.lastModified ?? new Date(0),
            etag: o.etag,
          });
        }
        const next = page.isTruncated ? page.nextContinuationToken : undefined;
        if (page.isTruncated && (!next || next === token)) {
          throw new StorageError(
            `S3 list s3://${this.storage.bucket}/${prefix}: the store said the listing goes on but gave no new continuation token`,
          );
        }
        token = next;
      } while (token);
    } catch (err) {
      throw this.fail(err, 'list', prefix, watch.signal);
    } finally {
      watch.dispose();
    }
    return found;
  }

  async get(name: string, opts: GetOptions = {}): Promise<Readable> {
    const small =
      opts.size !== undefined && opts.size <= Math.min(LITE_GET_MAX, this.transfer.partSize);
    // With 'when-supported' the SDK asks for and checks the object's checksum: its job, not ours.
    if (!small || this.storage.checksum !== 'when-required') {
      return (await this.transfers()).get(name, opts);
    }
    return this.getWhole(name, opts);
  }

  /**
   * S3Backend.get for an object that fits one part: one plain GET, read whole under the stall
   * watchdog and the deadline, a body that breaks off fetched again, then handed out.
   */
  private async getWhole(name: string, opts: GetOptions): Promise<Readable> {
    const transfer = linkedSignal(opts.signal, this.transfer.timeoutMs);
    const arrived = opts.onProgress ?? ((): void => {});
    const watch = this.watch('get', name, transfer.signal);
    let data: Buffer[];
    try {
      data = await this.readWhole(name, watch.signal, (n) => {
        watch.touch();
        arrived(n);
      });
    } catch (err) {
      transfer.dispose();
      if (isMissingObject(err)) throw new NotFoundError(name);
      throw this.fail(err, 'get', name, watch.signal);
    } finally {
      watch.dispose();
    }
    const out = Readable.from(data, { objectMode: false });
    const onAbort = (): void => void out.destroy(transfer.signal.reason as Error);
    transfer.signal.addEventListener('abort', onAbort, { once: true });
    out.once('close', () => {
      transfer.signal.removeEventListener('abort', onAbort);
      transfer.dispose();
    });
    return out;
  }

  /** S3Backend.readChunk without a range: a body that ends short or breaks is fetched again. */
  private async readWhole(
    name: string,
    signal: AbortSignal,
    onData: (bytes: number) => void,
  ): Promise<Buffer[]> {
    const arrived = newBytes(onData);
    for (let attempt = 1; ; attempt++) {
      const out = await this.lite.getObject(name, signal);
      try {
        return await readExactly(out.body, out.length, arrived);
      } catch (err) {
        if (signal.aborted || attempt >= MAX_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, 250 * attempt));
      }
    }
  }

  async put(name: string, body: Readable, opts?: PutOptions): Promise<void> {
    return (await this.transfers()).put(name, body, opts);
  }

  async delete(name: string): Promise<void> {
    return (await this.transfers()).delete(name);
  }

  async listIncompleteUploads(prefix: string): Promise<IncompleteUpload[]> {
    return (await this.transfers()).listIncompleteUploads(prefix);
  }

  async abortIncompleteUpload(upload: IncompleteUpload): Promise<void> {
    return (await this.transfers()).abortIncompleteUpload(upload);
  }

  async close(): Promise<void> {
    this.lite.close();
    if (this.sdk) await (await this.sdk).close();
  }

  /** S3Backend, its SDK loaded on first use. */
  private transfers(): Promise<S3Backend> {
    this.sdk ??= import('./s3-backend.js').then(
      ({ S3Backend }) => new S3Backend(this.storage, this.transfer),
    );
    return this.sdk;
  }

  private watch(operation: Operation, name: string, outer?: AbortSignal): Watchdog {
    const { stallTimeoutMs, timeoutMs } = this.transfer;
    return watchdog(`S3 ${operation} of ${name}`, stallTimeoutMs, timeoutMs, outer);
  }

  /** S3Backend's mapping: the abort reason if aborted, ours as they are, else describeS3Error. */
  private fail(err: unknown, operation: Operation, name: string, signal?: AbortSignal): unknown {
    if (signal?.aborted) return signal.reason;
    if (
      err instanceof StorageError ||
      err instanceof TimeoutError ||
      err instanceof NotFoundError
    ) {
      return err;
    }
    return describeS3Error(err, {
      operation,
      bucket: this.storage.bucket,
      name,
      storage: this.storage,
      stallTimeoutMs: this.transfer.stallTimeoutMs,
    });
  }
}
