import { Readable } from 'node:stream';

import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { NodeHttpHandler } from '@smithy/node-http-handler';

import { AlreadyExistsError, NotFoundError, StorageError, TimeoutError } from '../errors.js';
import type { S3Storage, TransferSettings } from '../settings.js';
import type { Backend, GetOptions, IncompleteUpload, ObjectInfo, PutOptions } from './backend.js';
import { createRangedReader } from './ranged-reader.js';
import { linkedSignal, MAX_ATTEMPTS, readExactly } from './s3-common.js';
import {
  describeS3Error,
  errorCode,
  isConditionalConflict,
  isMissingObject,
  type Operation,
  statusOf,
} from './s3-errors.js';
import { newBytes, type Watchdog, watchdog } from './watchdog.js';

const MiB = 1024 * 1024;
/** S3's multipart limits: at most 10,000 parts, each at least 5 MiB except the last. */
export const MAX_PARTS = 10_000;
export const MIN_PART_SIZE = 5 * MiB;

/**
 * S3 and S3-compatible stores (MinIO, R2, Ceph, GCS interoperability). Uploads are multipart
 * through lib-storage; downloads are parallel ranged GETs. Memory stays near
 * (concurrency + 1) × partSize for an upload, and concurrency × rangeSize for a lent download.
 */
export class S3Backend implements Backend {
  readonly description: string;
  private readonly client: S3Client;

  constructor(
    private readonly storage: S3Storage,
    private readonly transfer: TransferSettings,
  ) {
    this.description = `s3://${storage.bucket}${storage.endpoint ? ` at ${storage.endpoint}` : ''}`;
    const checksum = storage.checksum === 'when-required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
    const agent = { keepAlive: true, maxSockets: Math.max(50, 2 * transfer.concurrency) };
    this.client = new S3Client({
      // SigV4 needs a region; S3-compatible stores mostly accept any.
      region:
        storage.region ?? (storage.endpoint && !process.env.AWS_REGION ? 'us-east-1' : undefined),
      endpoint: storage.endpoint,
      forcePathStyle: storage.forcePathStyle,
      credentials: storage.credentials, // undefined: the SDK's default chain (env, OIDC, profiles)
      requestChecksumCalculation: checksum,
      responseChecksumValidation: checksum,
      maxAttempts: MAX_ATTEMPTS,
      // socketTimeout is the idle timer that also covers body transfer; requestTimeout in
      // @smithy/node-http-handler 4.x bounds a whole request and only warns by default.
      requestHandler: new ProgressHttpHandler({
        connectionTimeout: Math.min(transfer.stallTimeoutMs, 30_000),
        socketTimeout: transfer.stallTimeoutMs,
        httpAgent: agent,
        httpsAgent: agent,
      }),
    });
  }

  async stat(name: string): Promise<ObjectInfo | undefined> {
    const watch = this.watch('stat', name);
    try {
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: this.storage.bucket, Key: name }),
        { abortSignal: watch.signal },
      );
      return {
        name,
        size: out.ContentLength ?? 0,
        lastModified: out.LastModified ?? new Date(0),
        etag: out.ETag,
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

  /** Stat, list and manifest reads: one stall timeout and the deadline for all of their tries. */
  private watch(operation: Operation, name: string, outer?: AbortSignal): Watchdog {
    const { stallTimeoutMs, timeoutMs } = this.transfer;
    return watchdog(`S3 ${operation} of ${name}`, stallTimeoutMs, timeoutMs, outer);
  }

  /**
   * S3 answers a HEAD of a missing object with 403 unless s3:ListBucket covers it without
   * conditions, so least-privilege roles (ListBucket limited by s3:prefix) see 403 for every miss.
   * A listing tells a miss from a real denial, and its errors have a body to name the cause.
   */
  private async statByListing(
    name: string,
    headError: unknown,
    signal: AbortSignal,
  ): Promise<undefined> {
    let page;
    try {
      page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.storage.bucket, Prefix: name, MaxKeys: 1 }),
        { abortSignal: signal },
      );
    } catch (err) {
      throw this.fail(err, 'stat', name, signal);
    }
    if (page.Contents?.some((o) => o.Key === name)) throw this.fail(headError, 'stat', name);
    return undefined;
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const found: ObjectInfo[] = [];
    let token: string | undefined;
    const watch = this.watch('list', prefix);
    try {
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.storage.bucket,
            Prefix: prefix,
            ContinuationToken: token,
          }),
          { abortSignal: watch.signal },
        );
        watch.touch();
        for (const o of page.Contents ?? []) {
          if (o.Key === undefined) continue;
          found.push({
            name: o.Key,
            size: o.Size ?? 0,
            lastModified: o.LastModified ?? new Date(0),
            etag: o.ETag,
          });
        }
        const next = page.IsTruncated ? page.NextContinuationToken : undefined;
        if (page.IsTruncated && (!next || next === token)) {
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
    const transfer = linkedSignal(opts.signal, this.transfer.timeoutMs);
    const { concurrency } = this.transfer;
    const partSize = this.transfer.rangeSize ?? this.transfer.partSize;
    const arrived = opts.onProgress ?? ((): void => {});
    let first;
    // Until the stream is handed out nobody consumes: the first read (all of a manifest) gets
    // its own stall watchdog; later ranges are watched by the caller, fed by onProgress.
    const firstWatch = this.watch('get', name, transfer.signal);
    try {
      // A size known to fit one part: one plain GET. Otherwise the first range also tells the size.
      const whole = opts.size !== undefined && opts.size <= partSize;
      first = await this.readChunk(
        name,
        whole ? undefined : [0, partSize - 1],
        undefined,
        firstWatch.signal,
        (n) => {
          firstWatch.touch();
          arrived(n);
        },
      );
    } catch (err) {
      transfer.dispose();
      if (isMissingObject(err)) throw new NotFoundError(name);
      throw this.fail(err, 'get', name, firstWatch.signal);
    } finally {
      firstWatch.dispose();
    }
    const { etag } = first;
    const out = createRangedReader({
      total: first.total,
      first: first.data,
      partSize,
      concurrency,
      signal: transfer.signal,
      fetchRange: async (offset, count, signal, into) => {
        try {
          // If-Match: an object replaced mid-download fails instead of mixing two versions.
          const range: [number, number] = [offset, offset + count - 1];
          return (await this.readChunk(name, range, etag, signal, arrived, into)).data;
        } catch (err) {
          throw this.fail(err, 'get', name, transfer.signal);
        }
      },
    });
    out.once('close', transfer.dispose);
    return out;
  }

  async put(name: string, body: Readable, opts: PutOptions = {}): Promise<void> {
    const transfer = linkedSignal(opts.signal, this.transfer.timeoutMs);
    const { signal } = transfer;
    // Stop reading the body on abort: lib-storage then fails and aborts the multipart upload.
    // No error is passed: nobody may be listening for one, and a premature close fails the read.
    const stopBody = (): void => void body.destroy();
    signal.addEventListener('abort', stopBody, { once: true });
    try {
      if (signal.aborted) stopBody();
      signal.throwIfAborted();
      const upload = new Upload({
        client: cancellableParts(this.client, signal, opts.onProgress),
        params: {
          Bucket: this.storage.bucket,
          Key: name,
          Body: body,
          IfNoneMatch: opts.ifAbsent ? '*' : undefined, // sent on PutObject and CompleteMultipartUpload
          IfMatch: opts.ifMatch,
          ServerSideEncryption: this.storage.sse?.type,
          SSEKMSKeyId: this.storage.sse?.kmsKeyId,
        },
        queueSize: this.transfer.concurrency,
        partSize: choosePartSize(this.transfer.partSize, opts.size),
        leavePartsOnError: false, // abort the multipart upload on any failure
      });
      await upload.done();
    } catch (err) {
      // If-Match on a name that is gone: 404 NoSuchKey (AWS) or 412; either way it changed.
      const conditional = opts.ifAbsent || opts.ifMatch !== undefined;
      if (conditional && (isConditionalConflict(err) || (opts.ifMatch && isMissingObject(err)))) {
        throw new AlreadyExistsError(name);
      }
      throw this.fail(err, 'put', name, signal);
    } finally {
      signal.removeEventListener('abort', stopBody);
      transfer.dispose();
    }
  }

  async delete(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.storage.bucket, Key: name }));
    } catch (err) {
      if (!isMissingObject(err)) throw this.fail(err, 'delete', name);
    }
  }

  /** Multipart uploads neither completed nor aborted: their parts are stored and billed. */
  async listIncompleteUploads(prefix: string): Promise<IncompleteUpload[]> {
    const found: IncompleteUpload[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    try {
      for (;;) {
        const page = await this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.storage.bucket,
            Prefix: prefix,
            KeyMarker: keyMarker,
            UploadIdMarker: uploadIdMarker,
          }),
        );
        for (const u of page.Uploads ?? []) {
          if (u.Key === undefined || u.UploadId === undefined) continue;
          found.push({ name: u.Key, id: u.UploadId, started: u.Initiated ?? new Date(0) });
        }
        if (!page.IsTruncated) break;
        if (page.NextKeyMarker === keyMarker && page.NextUploadIdMarker === uploadIdMarker) {
          throw new StorageError(
            `S3 list-uploads s3://${this.storage.bucket}/${prefix}: the store said the listing goes on but gave no new marker`,
          );
        }
        keyMarker = page.NextKeyMarker;
        uploadIdMarker = page.NextUploadIdMarker;
      }
    } catch (err) {
      throw this.fail(err, 'list-uploads', prefix);
    }
    return found;
  }

  async abortIncompleteUpload(upload: IncompleteUpload): Promise<void> {
    const name = upload.name ?? '';
    try {
      await this.client.send(
        new AbortMultipartUploadCommand({
          Bucket: this.storage.bucket,
          Key: name,
          UploadId: upload.id,
        }),
      );
    } catch (err) {
      if (errorCode(err) !== 'NoSuchUpload') throw this.fail(err, 'abort-upload', name);
    }
  }

  close(): Promise<void> {
    this.client.destroy();
    return Promise.resolve();
  }

  /**
   * One GET of `range` (or the whole object), read into memory as received (no copy into one
   * buffer, so a range costs its size once) or into `into`; a body that breaks off is fetched
   * again.
   */
  private async readChunk(
    name: string,
    range: [number, number] | undefined,
    etag: string | undefined,
    signal: AbortSignal,
    onData: (bytes: number) => void = () => {},
    into?: Buffer,
  ): Promise<{ data: Buffer[]; total: number; etag?: string }> {
    const arrived = newBytes(onData);
    for (let attempt = 1; ; attempt++) {
      let out;
      try {
        out = await this.client.send(
          new GetObjectCommand({
            Bucket: this.storage.bucket,
            Key: name,
            Range: range && `bytes=${range[0]}-${range[1]}`,
            IfMatch: etag,
          }),
          { abortSignal: signal },
        );
      } catch (err) {
        // A range on an empty object is unsatisfiable: that is the whole (empty) object.
        if (range?.[0] === 0 && errorCode(err) === 'InvalidRange') return { data: [], total: 0 };
        throw err;
      }
      const length = out.ContentLength ?? 0;
      const total = range ? Number(/\/(\d+)$/.exec(out.ContentRange ?? '')?.[1] ?? length) : length;
      if (range && length > range[1] - range[0] + 1) {
        (out.Body as Readable | undefined)?.destroy();
        throw new StorageError(
          `S3 get s3://${this.storage.bucket}/${name}: the store ignored the Range header`,
          'This store does not support ranged reads, which downloads need.',
        );
      }
      try {
        const data = await readExactly(out.Body as Readable, length, arrived, into);
        return { data, total, etag: out.ETag };
      } catch (err) {
        if (signal.aborted || attempt >= MAX_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, 250 * attempt));
      }
    }
  }

  /** The error to throw: the abort reason if we were aborted, else a mapped storage error. */
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

/**
 * Part size for an upload: the configured size (at least S3's 5 MiB), grown to whole MiB so a
 * body of known `size` fits in 10,000 parts. With unknown length the largest object is
 * partSize × 10,000: 8 MiB parts give 78 GiB, 16 MiB parts 156 GiB.
 */
export function choosePartSize(configured: number, size?: number): number {
  const floor = Math.max(configured, MIN_PART_SIZE);
  if (size === undefined) return floor;
  return Math.max(floor, Math.ceil(size / MAX_PARTS / MiB) * MiB);
}

/**
 * The client as lib-storage sees it: part uploads carry the put's signal, so an abort stops them
 * at once. Commits and the clean-up (AbortMultipartUpload) do not: a cancelled commit has an
 * unknown outcome, and the clean-up must run. Request bodies (parts, a single PutObject) report
 * their bytes as they go out, through ProgressHttpHandler.
 */
function cancellableParts(
  client: S3Client,
  signal: AbortSignal,
  onProgress?: (bytes: number) => void,
): S3Client {
  const view = Object.create(client) as S3Client;
  const send = client.send.bind(client) as (c: unknown, o?: object) => Promise<unknown>;
  const parts = new Set<Promise<unknown>>();
  view.send = (async (command: unknown, options?: object) => {
    const progress: ProgressOptions = onProgress ? { onBodyProgress: newBytes(onProgress) } : {};
    if (command instanceof UploadPartCommand) {
      const part = send(command, { ...options, ...progress, abortSignal: signal });
      parts.add(part);
      return part.finally(() => parts.delete(part));
    }
    if (command instanceof AbortMultipartUploadCommand) {
      // A part still in flight when the upload is aborted may be stored after it (AWS says to
      // abort again; s3rver re-creates the upload): let every part request end first.
      await Promise.allSettled([...parts]);
    }
    if (command instanceof PutObjectCommand) return send(command, { ...options, ...progress });
    return send(command, options);
  }) as S3Client['send'];
  return view;
}

/** Handler options the S3 client passes through from send() to its request handler. */
interface ProgressOptions {
  /** Bytes of this try's body handed to the socket so far (each try starts again at 0). */
  onBodyProgress?: (sentSoFar: number) => void;
}

/** Body slices: small enough that progress follows the socket, large enough to cost nothing. */
const BODY_SLICE = 64 * 1024;

/**
 * The SDK's Node handler, except that a request sent with onBodyProgress streams its in-memory
 * body in slices and reports each as the socket takes it. The SDK writes a Buffer body in one
 * call and reports nothing until the answer, so a 16 MiB part on a slow link looked dead for
 * minutes. The request is copied, not changed: the SDK's retry sends the original again.
 */
class ProgressHttpHandler extends NodeHttpHandler {
  override handle(
    request: Parameters<NodeHttpHandler['handle']>[0],
    options: Parameters<NodeHttpHandler['handle']>[1] & ProgressOptions = {},
  ): ReturnType<NodeHttpHandler['handle']> {
    const report = options.onBodyProgress;
    const body: unknown = request.body;
    // isView, not instanceof: Buffers may come from another realm (jest's sandbox does that).
    if (!report || !ArrayBuffer.isView(body) || body.byteLength <= BODY_SLICE) {
      return super.handle(request, options);
    }
    const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    function* slices(): Generator<Buffer> {
      for (let at = 0; at < bytes.length; at += BODY_SLICE) {
        const slice = bytes.subarray(at, at + BODY_SLICE);
        report!(at + slice.length);
        yield slice;
      }
    }
    const copy = Object.assign(Object.create(Object.getPrototypeOf(request) as object), request, {
      body: Readable.from(slices(), { objectMode: false, highWaterMark: BODY_SLICE }),
    }) as typeof request;
    return super.handle(copy, options);
  }
}
