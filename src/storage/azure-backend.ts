import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

import { DefaultAzureCredential } from '@azure/identity';
import {
  type BlobClient,
  type BlobItem,
  type BlockBlobClient,
  ContainerClient,
  type StoragePipelineOptions,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';

import {
  AlreadyExistsError,
  NotFoundError,
  StorageError,
  TimeoutError,
  ValidationError,
} from '../errors.js';
import type { AzureStorage, TransferSettings } from '../settings.js';
import { BodyCollector } from '../util/chunks.js';
import { validateAzureStorage } from './azure-config.js';
import {
  type AzureErrorBase,
  errorCode,
  explainAzureError,
  type SasInfo,
  statusOf,
  throttledFor,
} from './azure-errors.js';
import type { Backend, GetOptions, IncompleteUpload, ObjectInfo, PutOptions } from './backend.js';
import { createRangedReader } from './ranged-reader.js';
import { newBytes } from './watchdog.js';

/** Tries per request, for the SDK's retry of transient errors and for our stall retries. */
const MAX_TRIES = 4;
/** Service limits: blocks per blob and bytes per block. */
const MAX_BLOCKS = 50_000;
const MAX_BLOCK_SIZE = 4000 * 1024 * 1024;

export interface AzureBackendOptions {
  /** Blobs per listing page; undefined keeps the service default (5000). Tests set it small. */
  listPageSize?: number;
  /** First delay of the SDK's exponential backoff between tries (ms); default 1000. */
  retryDelayMs?: number;
}

/**
 * Azure Blob Storage. put stages blocks in parallel and commits them with one Put Block List,
 * the atomic point; get reads ranges in parallel, pinned to the first range's ETag.
 * Memory: at most (concurrency + 1) × partSize per upload, concurrency × rangeSize per lent download.
 */
export class AzureBackend implements Backend {
  readonly description: string;
  private readonly client: ContainerClient;
  private readonly context: AzureErrorBase;
  private readonly closed = new AbortController();
  private readonly pageSize: number | undefined;

  constructor(
    storage: AzureStorage,
    private readonly transfer: TransferSettings,
    options: AzureBackendOptions = {},
  ) {
    const pipeline: StoragePipelineOptions = {
      // tryTimeoutInMs is left unset: in 12.x it only adds the server-side `timeout` query
      // parameter and never stops a client waiting on a dead socket. `attempt` does that.
      retryOptions: {
        maxTries: MAX_TRIES,
        retryDelayInMs: options.retryDelayMs ?? 1000,
        maxRetryDelayInMs: 30_000,
      },
    };
    const { client, ...context } = connect(storage, pipeline);
    this.client = client;
    this.pageSize = options.listPageSize;
    this.context = { ...context, account: client.accountName, container: storage.container };
    this.description = `azure://${client.accountName}/${storage.container}`;
  }

  async stat(name: string): Promise<ObjectInfo | undefined> {
    const op = this.begin('stat', name);
    try {
      const blob = this.client.getBlobClient(name);
      const p = await this.attempt(
        op.signal,
        (abortSignal) => blob.getProperties({ abortSignal }),
        {
          retryStalls: false,
        },
      );
      return {
        name,
        size: p.contentLength ?? 0,
        lastModified: p.lastModified ?? new Date(0),
        etag: p.etag,
      };
    } catch (err) {
      if (errorCode(err) === 'BlobNotFound') return undefined;
      throw op.fail(err);
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const found: ObjectInfo[] = [];
    for (const b of await this.listing(prefix, false)) {
      found.push({
        name: b.name,
        size: b.properties.contentLength ?? 0,
        lastModified: b.properties.lastModified,
        etag: b.properties.etag,
      });
    }
    return found;
  }

  /**
   * Blobs holding only uncommitted blocks: a listing that includes uncommitted blobs, less the
   * committed ones. The service would discard them after a week; until then they are billed.
   */
  async listIncompleteUploads(prefix: string): Promise<IncompleteUpload[]> {
    const all = await this.listing(prefix, true);
    const committed = new Set((await this.listing(prefix, false)).map((b) => b.name));
    return all
      .filter((b) => !committed.has(b.name))
      .map((b) => ({
        name: b.name,
        id: b.name,
        started: b.properties.createdOn ?? b.properties.lastModified,
      }));
  }

  /**
   * Deleting a blob that has no committed blocks is not reliably possible, so commit an empty
   * block list, only if nothing is committed there (a late writer wins), which discards the
   * uncommitted blocks, then delete that empty blob, only if it is still the one we made.
   */
  async abortIncompleteUpload(upload: IncompleteUpload): Promise<void> {
    const name = upload.name ?? upload.id;
    const op = this.begin('abort-upload', name);
    const blob = this.client.getBlockBlobClient(name);
    try {
      const made = await this.attempt(op.signal, (abortSignal) =>
        blob.commitBlockList([], { conditions: { ifNoneMatch: '*' }, abortSignal }),
      ).catch((err: unknown) => {
        if (errorCode(err) === 'BlobAlreadyExists' || statusOf(err) === 409) return undefined;
        throw err;
      });
      if (!made?.etag) return;
      const etag = made.etag;
      await this.attempt(op.signal, (abortSignal) =>
        blob.deleteIfExists({ conditions: { ifMatch: etag }, abortSignal }),
      ).catch((err: unknown) => {
        if (statusOf(err) !== 412) throw err; // 412: replaced meanwhile by a real commit
      });
    } catch (err) {
      throw op.fail(err);
    }
  }

  private async listing(prefix: string, includeUncommitedBlobs: boolean): Promise<BlobItem[]> {
    const op = this.begin(includeUncommitedBlobs ? 'list-uploads' : 'list', prefix);
    const found: BlobItem[] = [];
    try {
      let continuationToken: string | undefined;
      do {
        const page = await this.attempt(
          op.signal,
          (abortSignal) =>
            this.client
              .listBlobsFlat({ prefix, abortSignal, includeUncommitedBlobs })
              .byPage({ continuationToken, maxPageSize: this.pageSize })
              .next(),
          { retryStalls: false },
        );
        if (page.done) break;
        found.push(...page.value.segment.blobItems);
        continuationToken = page.value.continuationToken || undefined;
      } while (continuationToken);
      return found;
    } catch (err) {
      throw op.fail(err);
    }
  }

  async get(name: string, opts: GetOptions = {}): Promise<Readable> {
    const op = this.begin('get', name, opts.signal);
    const blob = this.client.getBlobClient(name);
    const arrived = opts.onProgress ?? ((): void => {});
    let first: Range;
    try {
      // The first range reports the total size and the ETag every later range is pinned to, so
      // no stat is needed and an overwrite mid-read fails (412) instead of mixing versions.
      first = await this.readRange(blob, 0, this.rangeSize(), op.signal, undefined, arrived);
    } catch (err) {
      if (errorCode(err) === 'BlobNotFound') throw new NotFoundError(name);
      throw op.fail(err);
    }
    const { etag } = first;
    return createRangedReader({
      total: first.total,
      first: first.data,
      partSize: this.rangeSize(),
      concurrency: this.transfer.concurrency,
      signal: op.signal,
      fetchRange: async (offset, count, signal, into) => {
        try {
          return (await this.readRange(blob, offset, count, signal, etag, arrived, into)).data;
        } catch (err) {
          throw op.fail(err);
        }
      },
    });
  }

  async put(name: string, body: Readable, opts: PutOptions = {}): Promise<void> {
    const op = this.begin('put', name, opts.signal);
    const blob = this.client.getBlockBlobClient(name);
    const conditions = opts.ifAbsent
      ? { ifNoneMatch: '*' }
      : opts.ifMatch !== undefined
        ? { ifMatch: opts.ifMatch }
        : undefined;
    const onAbort = (): void => void body.destroy(new Error('put aborted'));
    op.signal.addEventListener('abort', onAbort, { once: true });
    const blocks = splitBlocks(body, this.blockSize(opts.size))[Symbol.asyncIterator]();
    const sent = opts.onProgress ?? ((): void => {});
    try {
      const first = await blocks.next();
      const second = await blocks.next();
      if (second.done) {
        // Fits in one block: a single Put Blob, atomic by itself.
        const data = first.value as Buffer;
        const position = newBytes(sent);
        await this.attempt(op.signal, (abortSignal, touch) =>
          blob.upload(sliced(data), data.length, {
            conditions,
            abortSignal,
            onProgress: progressOf(touch, position),
          }),
        );
        return;
      }
      const ids = await this.stageAll(
        blob,
        [first.value as Buffer, second.value],
        blocks,
        op,
        sent,
      );
      // The commit is the atomic point. Blocks staged by a put that never gets here stay
      // uncommitted: invisible to stat, list and get, and discarded by the service after a week.
      await this.attempt(op.signal, (abortSignal) =>
        blob.commitBlockList(ids, { conditions, abortSignal }),
      );
    } catch (err) {
      op.abort();
      body.destroy();
      if (opts.ifAbsent && (await this.lostRace(err, name))) throw new AlreadyExistsError(name);
      // ifMatch on a blob replaced (412) or removed (404) since: another writer changed it.
      if (opts.ifMatch !== undefined && [404, 412].includes(statusOf(err) ?? 0)) {
        throw new AlreadyExistsError(name);
      }
      throw op.fail(err);
    } finally {
      op.signal.removeEventListener('abort', onAbort);
      await blocks.return(undefined);
    }
  }

  async delete(name: string): Promise<void> {
    const op = this.begin('delete', name);
    try {
      const blob = this.client.getBlobClient(name);
      await this.attempt(op.signal, (abortSignal) =>
        blob.deleteIfExists({ abortSignal, deleteSnapshots: 'include' }),
      );
    } catch (err) {
      throw op.fail(err);
    }
  }

  /** Stops whatever is still in flight; the SDK's keep-alive sockets are unref'd when idle. */
  close(): Promise<void> {
    this.closed.abort();
    return Promise.resolve();
  }

  /** Stage blocks with at most `concurrency` in flight; returns the block list in order. */
  private async stageAll(
    blob: BlockBlobClient,
    head: Buffer[],
    rest: AsyncIterator<Buffer>,
    op: Operation,
    sent: (bytes: number) => void,
  ): Promise<string[]> {
    // A random prefix per put: racing writers of one name must never share block ids.
    const prefix = randomUUID();
    const ids: string[] = [];
    const inflight = new Set<Promise<unknown>>();
    const stage = (data: Buffer): void => {
      if (ids.length >= MAX_BLOCKS) {
        throw new StorageError(
          `object exceeds ${MAX_BLOCKS} blocks of ${data.length} bytes`,
          'raise part-size',
        );
      }
      const id = Buffer.from(`${prefix}-${String(ids.length).padStart(6, '0')}`).toString('base64');
      ids.push(id);
      const position = newBytes(sent);
      const p = this.attempt(op.signal, (abortSignal, touch) =>
        blob.stageBlock(id, sliced(data), data.length, {
          abortSignal,
          onProgress: progressOf(touch, position),
        }),
      ).finally(() => inflight.delete(p));
      p.catch(() => {}); // observed through race/all below; this only marks it handled
      inflight.add(p);
    };
    try {
      for (;;) {
        while (inflight.size >= this.transfer.concurrency) await Promise.race(inflight);
        let data = head.shift();
        if (!data) {
          const next = await rest.next();
          if (next.done) break;
          data = next.value;
        }
        stage(data);
      }
      await Promise.all(inflight);
      return ids;
    } catch (err) {
      op.abort();
      await Promise.allSettled(inflight);
      throw err;
    }
  }

  private async readRange(
    blob: BlobClient,
    offset: number,
    count: number,
    signal: AbortSignal,
    etag?: string,
    onData: (bytes: number) => void = () => {},
    into?: Buffer,
  ): Promise<Range> {
    const position = newBytes(onData);
    return this.attempt(signal, async (abortSignal, touch) => {
      const res = await blob
        .download(offset, count, {
          abortSignal,
          conditions: etag ? { ifMatch: etag } : undefined,
          maxRetryRequests: MAX_TRIES,
        })
        .catch((err: unknown) => {
          // A range on an empty blob is 416; the blob exists and has no bytes.
          if (offset === 0 && errorCode(err) === 'InvalidRange') return undefined;
          throw err;
        });
      if (!res) return { data: [], total: 0, etag: '' };
      const expected = res.contentLength ?? 0;
      const data = await readBody(res.readableStreamBody, expected, abortSignal, into, (got) => {
        touch();
        position(got);
      });
      const total = Number(/\/(\d+)$/.exec(res.contentRange ?? '')?.[1] ?? expected);
      return { data, total, etag: res.etag ?? '' };
    });
  }

  /**
   * Run one request under a stall watchdog: `touch` marks progress, and a try that makes none
   * for stallTimeoutMs is aborted and retried, up to MAX_TRIES, as is a download cut off
   * mid-body. The SDK retries failures before the response (resets, 500, 503) itself; a 429 is
   * retried here after the wait its Retry-After asks for.
   */
  private async attempt<T>(
    signal: AbortSignal,
    request: (abortSignal: AbortSignal, touch: () => void) => Promise<T>,
    { retryStalls = true }: { retryStalls?: boolean } = {},
  ): Promise<T> {
    const ms = this.transfer.stallTimeoutMs;
    for (let tries = 1; ; tries++) {
      const stall = new AbortController();
      const timer = setTimeout(() => stall.abort(), ms);
      let settled = false;
      const touch = (): void => void (settled || timer.refresh());
      try {
        return await request(AbortSignal.any([signal, stall.signal]), touch);
      } catch (err) {
        // Stat and list give up after one silent stall timeout: a dead endpoint must not cost
        // four of them before the step even starts transferring.
        if (signal.aborted || tries >= MAX_TRIES || (stall.signal.aborted && !retryStalls)) {
          if (stall.signal.aborted && !signal.aborted) {
            throw new TimeoutError(`Azure request made no progress for ${ms} ms, ${tries} tries`);
          }
          throw err;
        }
        const throttled = throttledFor(err);
        if (throttled !== undefined) {
          clearTimeout(timer);
          await sleep(throttled, undefined, { signal });
          continue;
        }
        if (!stall.signal.aborted && !(err instanceof DownloadInterrupted)) throw err;
      } finally {
        settled = true;
        clearTimeout(timer);
      }
    }
  }

  /** After a failed conditional put: did another writer take the name first? */
  private async lostRace(err: unknown, name: string): Promise<boolean> {
    const code = errorCode(err);
    if (code === 'BlobAlreadyExists' || statusOf(err) === 412) return true;
    // The winner's commit discards our uncommitted blocks, so ours can fail as InvalidBlockList.
    return (
      code === 'InvalidBlockList' && (await this.stat(name).catch(() => undefined)) !== undefined
    );
  }

  private rangeSize(): number {
    return Math.max(this.transfer.rangeSize ?? this.transfer.partSize, 1);
  }

  private partSize(): number {
    return Math.min(Math.max(this.transfer.partSize, 1), MAX_BLOCK_SIZE);
  }

  /** Part size, grown when the known size would need more than MAX_BLOCKS blocks. */
  private blockSize(size: number | undefined): number {
    return Math.min(Math.max(this.partSize(), Math.ceil((size ?? 0) / MAX_BLOCKS)), MAX_BLOCK_SIZE);
  }

  private begin(op: string, target: string, user?: AbortSignal): Operation {
    const own = new AbortController();
    const deadline =
      this.transfer.timeoutMs > 0 ? AbortSignal.timeout(this.transfer.timeoutMs) : undefined;
    const signals = [own.signal, this.closed.signal, user, deadline];
    const signal = AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
    return {
      signal,
      abort: () => own.abort(),
      fail: (err) => {
        if (user?.aborted) return user.reason instanceof Error ? user.reason : new Error('aborted');
        if (deadline?.aborted) {
          return new TimeoutError(
            `Azure ${op} of ${target} ran past ${this.transfer.timeoutMs} ms`,
          );
        }
        if (this.closed.signal.aborted)
          return new Error(`Azure ${op} of ${target}: backend closed`);
        return explainAzureError(err, { ...this.context, op, target });
      },
    };
  }
}

interface Range {
  /** The body as received: no copy into one buffer, so a range costs its size once. */
  data: Buffer[];
  /** Size of the whole blob, from Content-Range. */
  total: number;
  etag: string;
}

interface Operation {
  signal: AbortSignal;
  abort(): void;
  fail(err: unknown): Error;
}

/** The SDK's upload progress (bytes of this try) as a touch of the try's stall timer and a position. */
function progressOf(
  touch: () => void,
  position: (sentSoFar: number) => void,
): (p: { loadedBytes: number }) => void {
  return ({ loadedBytes }) => {
    touch();
    position(loadedBytes);
  };
}

/** Cut a stream into blocks of exactly `size` bytes (the last may be shorter; at least one). */
async function* splitBlocks(body: Readable, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let length = 0;
  let yielded = false;
  for await (const chunk of body) {
    let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    while (length + buf.length >= size) {
      const take = size - length;
      parts.push(buf.subarray(0, take));
      yield Buffer.concat(parts, size);
      yielded = true;
      parts = [];
      length = 0;
      buf = buf.subarray(take);
    }
    if (buf.length > 0) {
      parts.push(buf);
      length += buf.length;
    }
  }
  if (length > 0 || !yielded) yield Buffer.concat(parts, length);
}

/**
 * A block as a stream of 64 KiB slices: with a Buffer body the SDK reports upload progress once,
 * up front, so the stall watchdog would time the whole block instead of watching it move.
 */
function sliced(data: Buffer): () => NodeJS.ReadableStream {
  function* slices(): Generator<Buffer> {
    for (let at = 0; at < data.length; at += 64 * 1024) yield data.subarray(at, at + 64 * 1024);
  }
  return () => Readable.from(slices(), { objectMode: false });
}

/** A response body that broke off or ended short; the range is worth another try. */
class DownloadInterrupted extends Error {
  override readonly name = 'DownloadInterrupted';
}

/**
 * Read a response body whole (into `into` when given); fail rather than return short or long,
 * and give up on abort.
 */
async function readBody(
  stream: NodeJS.ReadableStream | undefined,
  expected: number,
  signal: AbortSignal,
  into: Buffer | undefined,
  /** Bytes of this body received so far. */
  touch: (got: number) => void,
): Promise<Buffer[]> {
  if (!stream) throw new Error('download returned no body');
  const body = stream as Readable;
  const onAbort = (): void => void body.destroy(new Error('download aborted'));
  signal.addEventListener('abort', onAbort, { once: true });
  const got = new BodyCollector(expected, into);
  try {
    // The SDK's own resume does not engage on Node 20: a dropped socket surfaces as AbortError.
    for await (const chunk of body) {
      const fits = got.add(chunk as Buffer);
      touch(got.received);
      if (!fits) break;
    }
  } catch (err) {
    if (signal.aborted) throw err;
    throw new DownloadInterrupted(`download broke off at ${got.received} of ${expected} bytes`, {
      cause: err,
    });
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (got.received !== expected) {
    body.destroy();
    throw new DownloadInterrupted(`download ended at ${got.received} of ${expected} bytes`);
  }
  return got.result();
}

/** Build the container client for the configured auth mode; the settings are validated first. */
function connect(
  s: AzureStorage,
  pipeline: StoragePipelineOptions,
): Omit<AzureErrorBase, 'account' | 'container'> & { client: ContainerClient } {
  validateAzureStorage(s);
  if (s.connectionString) {
    try {
      const client = new ContainerClient(s.connectionString, s.container, pipeline);
      // The client URL may carry a SAS from the connection string: keep only the service part.
      const endpoint = client.url.split('?')[0]!.slice(0, -(s.container.length + 1));
      return {
        client,
        auth: 'connection-string',
        endpoint,
        endpointInput: 'azure-connection-string',
      };
    } catch (err) {
      throw new ValidationError(
        `invalid azure-connection-string: ${(err as Error).message}. Use the whole string from the account's "Access keys" page.`,
        'azure-connection-string',
      );
    }
  }
  const base = s.endpoint
    ? s.endpoint.replace(/\/+$/, '')
    : `https://${s.accountName!}.blob.core.windows.net`;
  const url = `${base}/${s.container}`;
  const where = {
    endpoint: base,
    endpointInput: s.endpoint ? 'azure-endpoint' : 'azure-account-name',
  } as const;
  if (s.accountKey) {
    const credential = new StorageSharedKeyCredential(s.accountName!, s.accountKey);
    return {
      client: new ContainerClient(url, credential, pipeline),
      auth: 'account-key',
      ...where,
    };
  }
  if (s.sasToken) {
    const token = s.sasToken.trim().replace(/^\?/, '');
    const params = new URLSearchParams(token);
    const expiry = params.get('se');
    const sas: SasInfo = {
      permissions: params.get('sp') ?? undefined,
      expiresOn: expiry ? new Date(expiry) : undefined,
    };
    const client = new ContainerClient(`${url}?${token}`, undefined, pipeline);
    return { client, auth: 'sas', sas, ...where };
  }
  // No secret: Microsoft Entra ID, e.g. after azure/login with OIDC or a managed identity.
  return {
    client: new ContainerClient(url, new DefaultAzureCredential(), pipeline),
    auth: 'entra-id',
    ...where,
  };
}
