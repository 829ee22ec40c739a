import type http from 'node:http';

import type { LiteRoute } from './s3-lite-route.js';
import { canonicalQuery, escapeKey, signRequest } from './s3-sign.js';
import { type ListPage, readErrorFields, readListPage } from './s3-xml.js';

// HEAD and ListObjectsV2 over node:http, signed with SigV4: what a miss needs, without loading
// the SDK (about 0.15 s of a 0.3 s miss). It behaves as the S3 client does for these two calls,
// so that s3-errors.ts, the retries and the timeouts cannot tell them apart: the same agent
// settings, the same timeout errors, the standard retry strategy with its constants (as in
// @smithy/core/retry), clock skew correction, and service errors shaped like the SDK's.

export interface HeadResult {
  size?: number;
  lastModified?: Date;
  etag?: string;
}

export interface LiteOptions {
  /** Tries per request, as the client's maxAttempts. */
  maxAttempts: number;
  /** The idle socket timeout; the connection timeout is the smaller of it and 30 s. */
  stallTimeoutMs: number;
  maxSockets: number;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  /** The whole body; '' for a 2xx answer to a streamed request (see `stream`). */
  body: string;
  /** A streamed request's 2xx body, not yet read. */
  stream?: http.IncomingMessage;
}

export interface GetResult {
  /** Content-Length: the bytes the body must have. */
  length: number;
  etag?: string;
  body: http.IncomingMessage;
}

type SdkError = Error & {
  code?: string;
  $metadata?: Record<string, unknown> & { httpStatusCode?: number; clockSkewCorrected?: boolean };
  $response?: { statusCode: number; headers: Record<string, string> };
  $retryable?: unknown;
  [field: string]: unknown;
};

// The standard retry strategy of @smithy/core/retry (Retry.v2026): which errors, how long, how many.
const THROTTLING_CODES = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);
const TRANSIENT_CODES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);
const NODE_TRANSIENT = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** Node errors that @smithy/node-http-handler renames TimeoutError. */
const NODE_TIMEOUT = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);
const BASE_DELAY_MS = 50;
const THROTTLING_DELAY_MS = 1_000;
const MAX_DELAY_MS = 20_000;
const RETRY_CAPACITY = 500;
const RETRY_COST = 14;
const THROTTLING_RETRY_COST = 5;
/** The signer's clock correction: a store clock this far off replaces ours. */
const CLOCK_SKEW_MS = 300_000;

interface Transport {
  request: typeof http.request;
  agent: http.Agent;
}

export class S3Lite {
  private transport?: Promise<Transport>;
  private clockOffsetMs = 0;
  private capacity = RETRY_CAPACITY;

  constructor(
    private readonly route: LiteRoute,
    private readonly options: LiteOptions,
  ) {}

  /** HeadObject: the object's size, time and ETag, or the S3 client's error for it. */
  async head(key: string, signal: AbortSignal): Promise<HeadResult> {
    const { method, path, query } = headTarget(this.route, key);
    const answer = await this.send(method, path, query, signal);
    const length = answer.headers['content-length'];
    const modified = answer.headers['last-modified'];
    const lastModified = modified === undefined ? undefined : new Date(modified);
    if (lastModified && Number.isNaN(lastModified.getTime())) {
      throw new Error(`the store answered a HEAD with Last-Modified ${JSON.stringify(modified)}`);
    }
    return {
      size: length === undefined ? undefined : Number(length),
      lastModified,
      etag: answer.headers.etag,
    };
  }

  /** One ListObjectsV2 page of `prefix`, after `token`. */
  async listPage(
    prefix: string,
    token: string | undefined,
    signal: AbortSignal,
    maxKeys?: number,
  ): Promise<ListPage> {
    const { method, path, query } = listTarget(this.route, prefix, token, maxKeys);
    const answer = await this.send(method, path, query, signal);
    return readListPage(answer.body);
  }

  /**
   * GetObject of the whole object, answered once the headers are in: the body is the caller's
   * to read (as the SDK hands out a streaming body; its retries end at the headers too).
   */
  async getObject(key: string, signal: AbortSignal): Promise<GetResult> {
    const { path } = headTarget(this.route, key);
    const answer = await this.send('GET', path, {}, signal, true);
    return {
      length: Number(answer.headers['content-length'] ?? 0),
      etag: answer.headers.etag,
      body: answer.stream!,
    };
  }

  close(): void {
    void this.transport?.then((t) => t.agent.destroy());
  }

  /**
   * node:http or node:https with a keep-alive agent, as the SDK's handler makes it. Loaded on
   * first use: node:https brings TLS, which costs a plain-http store's miss 30 ms for nothing.
   */
  private connect(): Promise<Transport> {
    this.transport ??= (
      this.route.protocol === 'https:' ? import('node:https') : import('node:http')
    ).then(({ request, Agent }) => ({
      request,
      agent: new Agent({ keepAlive: true, maxSockets: this.options.maxSockets }),
    }));
    return this.transport;
  }

  /** One request with the SDK's retries: a 2xx answer, or the last error. */
  private async send(
    method: string,
    path: string,
    query: Record<string, string>,
    signal: AbortSignal,
    stream = false,
  ): Promise<Answer> {
    let retries = 0;
    let cost: number | undefined;
    let totalRetryDelay = 0;
    for (;;) {
      let error: SdkError;
      try {
        const answer = await this.attempt(method, path, query, signal, stream);
        if (answer.status >= 200 && answer.status < 300) {
          this.correctClock(answer.headers.date);
          this.capacity = Math.min(RETRY_CAPACITY, this.capacity + (cost ?? 1));
          return answer;
        }
        error = serviceError(answer);
        const serverTime = (error.ServerTime as string | undefined) ?? answer.headers.date;
        if (this.correctClock(serverTime)) error.$metadata!.clockSkewCorrected = true;
      } catch (err) {
        if (signal.aborted) throw err;
        error = err as SdkError;
      }
      const kind = retryKind(error);
      const price = kind === 'THROTTLING' ? THROTTLING_RETRY_COST : RETRY_COST;
      if (!kind || retries + 1 >= this.options.maxAttempts || this.capacity < price) {
        error.$metadata = { ...error.$metadata, attempts: retries + 1, totalRetryDelay };
        throw error;
      }
      const base = kind === 'THROTTLING' ? THROTTLING_DELAY_MS : BASE_DELAY_MS;
      let delay = Math.floor(Math.random() * Math.min(base * 2 ** retries, MAX_DELAY_MS));
      const hint = retryAfter(error.$response?.headers['retry-after']);
      if (hint !== undefined) delay = Math.max(delay, Math.min(hint, delay + 5_000));
      this.capacity -= price;
      cost = price;
      retries++;
      totalRetryDelay += delay;
      await sleep(Math.min(delay, MAX_DELAY_MS), signal);
    }
  }

  /** The signer's clock skew correction; true when the offset changed. */
  private correctClock(serverTime: string | undefined): boolean {
    const server = serverTime === undefined ? NaN : Date.parse(serverTime);
    if (Number.isNaN(server)) return false;
    if (Math.abs(Date.now() + this.clockOffsetMs - server) < CLOCK_SKEW_MS) return false;
    this.clockOffsetMs = server - Date.now();
    return true;
  }

  /** One try, timed and aborted as @smithy/node-http-handler does it. */
  private async attempt(
    method: string,
    path: string,
    query: Record<string, string>,
    signal: AbortSignal,
    stream: boolean,
  ): Promise<Answer> {
    const { route } = this;
    const { request, agent } = await this.connect();
    const qs = canonicalQuery(query);
    const headers = signRequest({
      method,
      host: route.host,
      path,
      query,
      region: route.region,
      credentials: route.credentials,
      date: new Date(Date.now() + this.clockOffsetMs),
    });
    return new Promise<Answer>((resolve, reject) => {
      if (signal.aborted) return reject(abortError(signal));
      const connectMs = Math.min(this.options.stallTimeoutMs, 30_000);
      const idleMs = this.options.stallTimeoutMs;
      const req = request(
        {
          host: route.hostname,
          port: route.port,
          method,
          path: qs ? `${path}?${qs}` : path,
          headers,
          agent,
        },
        (res) => {
          response = res;
          const status = res.statusCode ?? -1;
          if (stream && status >= 200 && status < 300) {
            // The body's own errors (a cut connection, the idle timeout, an abort, which
            // destroys the request) reach its reader.
            clearTimeout(connectTimer);
            req.once('close', () => signal.removeEventListener('abort', onAbort));
            return resolve({ status, headers: flatHeaders(res.headers), body: '', stream: res });
          }
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => fail(err));
          res.on('end', () => {
            done();
            resolve({
              status,
              headers: flatHeaders(res.headers),
              body: Buffer.concat(chunks).toString('utf8'),
            });
          });
        },
      );
      let response: http.IncomingMessage | undefined;
      const fail = (err: Error): void => {
        done();
        reject(err);
      };
      const connectTimer = setTimeout(() => {
        req.destroy();
        fail(
          Object.assign(
            new Error(
              `@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of ${connectMs} ms.`,
            ),
            { name: 'TimeoutError' },
          ),
        );
      }, connectMs);
      const onIdle = (): void => {
        const err = Object.assign(
          new Error(
            `@smithy/node-http-handler - the request socket timed out after ${idleMs} ms of inactivity (configured by client requestHandler).`,
          ),
          { name: 'TimeoutError' },
        );
        response?.destroy(err);
        req.destroy();
        fail(err);
      };
      req.once('socket', (socket) => {
        const watch = (): void => {
          clearTimeout(connectTimer);
          socket.setTimeout(idleMs, onIdle);
          req.once('close', () => socket.removeListener('timeout', onIdle));
        };
        if (socket.connecting) socket.once('connect', watch);
        else watch();
      });
      req.on('error', (err: NodeJS.ErrnoException) =>
        fail(NODE_TIMEOUT.has(err.code ?? '') ? Object.assign(err, { name: 'TimeoutError' }) : err),
      );
      const onAbort = (): void => {
        req.destroy();
        fail(abortError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const done = (): void => {
        clearTimeout(connectTimer);
        signal.removeEventListener('abort', onAbort);
      };
      req.end();
    });
  }
}

export interface Target {
  method: string;
  /** The path as sent and signed (escaped). */
  path: string;
  /** The query, not escaped. */
  query: Record<string, string>;
}

/** HeadObject of `key`: the bucket path and the key, each segment escaped. */
export function headTarget(route: LiteRoute, key: string): Target {
  return { method: 'HEAD', path: `${route.bucketPath}/${escapeKey(key)}`, query: {} };
}

/** ListObjectsV2 of `prefix` (a page after `token`, at most `maxKeys`). */
export function listTarget(
  route: LiteRoute,
  prefix: string,
  token?: string,
  maxKeys?: number,
): Target {
  const query: Record<string, string> = { 'list-type': '2', prefix };
  if (token !== undefined) query['continuation-token'] = token;
  if (maxKeys !== undefined) query['max-keys'] = String(maxKeys);
  return { method: 'GET', path: `${route.bucketPath}/`, query };
}

/** A non-2xx answer as the S3 client's error: name from the Code (or the status), body fields. */
export function serviceError(answer: Answer): SdkError {
  const fields = readErrorFields(answer.body);
  const { status, headers } = answer;
  const err = new Error(fields.Message || 'UnknownError') as SdkError;
  err.name = fields.Code ?? (status === 404 ? 'NotFound' : 'Unknown');
  err.$fault = status < 500 ? 'client' : 'server';
  err.$metadata = {
    httpStatusCode: status,
    requestId:
      headers['x-amzn-requestid'] ?? headers['x-amzn-request-id'] ?? headers['x-amz-request-id'],
    extendedRequestId: headers['x-amz-id-2'],
    cfId: headers['x-amz-cf-id'],
  };
  Object.defineProperty(err, '$response', {
    value: { statusCode: status, headers, body: answer.body },
    enumerable: false,
  });
  for (const [k, v] of Object.entries(fields)) {
    if (k !== 'Message' && (err[k] === undefined || err[k] === null || err[k] === '')) err[k] = v;
  }
  return err;
}

/** THROTTLING and TRANSIENT errors are retried; others (and an abort) are not. */
export function retryKind(err: SdkError): 'THROTTLING' | 'TRANSIENT' | undefined {
  if (err.$metadata?.httpStatusCode === 429 || THROTTLING_CODES.has(err.name)) return 'THROTTLING';
  return isTransient(err) ? 'TRANSIENT' : undefined;
}

function isTransient(err: SdkError | undefined, depth = 0): boolean {
  if (!err || err.name === 'AbortError') return false;
  return (
    err.$retryable !== undefined ||
    err.$metadata?.clockSkewCorrected === true ||
    TRANSIENT_CODES.has(err.name) ||
    NODE_TRANSIENT.has(err.code ?? '') ||
    TRANSIENT_STATUS.has(err.$metadata?.httpStatusCode ?? 0) ||
    (err.code === 'ERR_HTTP2_STREAM_ERROR' && err.message.includes('NGHTTP2_REFUSED_STREAM')) ||
    (err.cause !== undefined && depth <= 10 && isTransient(err.cause as SdkError, depth + 1))
  );
}

/** Retry-After as milliseconds from now: seconds, or an HTTP date. */
function retryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value) - Date.now();
  return Number.isNaN(ms) ? undefined : ms;
}

function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(',') : v;
  }
  return out;
}

function abortError(signal: AbortSignal): Error {
  // As @smithy/node-http-handler builds it; our callers throw the signal's reason instead.
  const reason: unknown = signal.reason;
  const err =
    reason instanceof Error
      ? new Error('Request aborted', { cause: reason })
      : new Error(typeof reason === 'string' ? reason : 'Request aborted');
  err.name = 'AbortError';
  return err;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
