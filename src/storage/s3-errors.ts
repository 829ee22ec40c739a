// SDK and network failures → StorageError with a hint a person can act on. Pure and SDK-free,
// so it is unit-tested with constructed errors.

import { StorageError, TimeoutError } from '../errors.js';
import type { S3Storage } from '../settings.js';

export type Operation =
  'stat' | 'list' | 'get' | 'put' | 'delete' | 'list-uploads' | 'abort-upload';

/** The parts of an SDK service exception or Node network error that the mapping reads. */
interface ErrorShape {
  name?: string;
  code?: string;
  message?: string;
  hostname?: string;
  Region?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
  errors?: unknown[];
  cause?: unknown;
}

export interface S3ErrorContext {
  operation: Operation;
  bucket: string;
  /** Object name, or the prefix for list. */
  name: string;
  storage: Pick<S3Storage, 'region' | 'endpoint' | 'forcePathStyle' | 'checksum' | 'sse'>;
  stallTimeoutMs?: number;
}

const TLS_TRUST = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);

const PERMISSION: Record<Operation, string> = {
  stat: 's3:GetObject',
  list: 's3:ListBucket',
  get: 's3:GetObject',
  put: 's3:PutObject',
  delete: 's3:DeleteObject',
  'list-uploads': 's3:ListBucketMultipartUploads',
  'abort-upload': 's3:AbortMultipartUpload',
};

const GENERIC_NAMES = new Set(['Error', 'Unknown', 'UnknownError', 'AggregateError']);

/** The S3 error code (service errors) or Node error code (network), looking through wrappers. */
export function errorCode(err: unknown): string | undefined {
  const e = (err ?? {}) as ErrorShape;
  if (e.name && !GENERIC_NAMES.has(e.name)) return e.name;
  if (e.code) return e.code;
  const inner = e.errors?.[0] ?? e.cause;
  if (inner) return errorCode(inner);
  // A Node error can reach us without its code (the SDK re-wraps values that fail `instanceof
  // Error`, e.g. from another VM realm), but its message names it.
  return /\b(E[A-Z]{4,}|ERR_[A-Z_]+)\b/.exec(e.message ?? '')?.[1] ?? e.name;
}

/** Map an SDK or network error to a StorageError with a hint (or a TimeoutError). Pure. */
export function describeS3Error(err: unknown, ctx: S3ErrorContext): Error {
  const e = (err ?? {}) as ErrorShape;
  const code = errorCode(err);
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const what = `S3 ${ctx.operation} s3://${ctx.bucket}/${ctx.name}`;
  const detail = [code !== 'Unknown' && code, status && `HTTP ${status}`]
    .filter(Boolean)
    .join(', ');
  // Answers without a body (HEAD) leave the SDK nothing better than "UnknownError".
  const said = e.message && e.message !== 'UnknownError' ? `: ${e.message}` : '';
  const message = `${what} failed${detail ? ` (${detail})` : ''}${said}`;
  if (code === 'TimeoutError' || code === 'ETIMEDOUT' || code === 'RequestTimeout') {
    const stall = ctx.stallTimeoutMs ? ` for ${ctx.stallTimeoutMs / 1000} s` : '';
    return new TimeoutError(`${what}: no progress${stall} (${e.message ?? code})`, { cause: err });
  }
  return new StorageError(message, hintFor(code, status, e, ctx), { cause: err });
}

function hintFor(
  code: string | undefined,
  status: number | undefined,
  e: ErrorShape,
  ctx: S3ErrorContext,
): string | undefined {
  const { endpoint, forcePathStyle, region } = ctx.storage;
  const store = endpoint ?? 'AWS';
  const text = e.message ?? '';
  if (
    ctx.storage.checksum === 'when-supported' &&
    /checksum|aws-chunked|trailer|content-?sha256/i.test(`${code} ${text}`)
  ) {
    return "If this store rejects the SDK's default checksums (R2 and some others do), set s3-checksum: when-required.";
  }
  switch (code) {
    case 'InvalidAccessKeyId':
      return `The access key ID is unknown to ${store}: check aws-access-key-id (or the credentials your configure-aws-credentials step exported).`;
    case 'SignatureDoesNotMatch':
      return 'The secret key does not match the access key ID: check aws-secret-access-key. A wrong system clock or a proxy that rewrites requests can cause this too.';
    case 'ExpiredToken':
    case 'TokenRefreshRequired':
    case 'InvalidToken':
      return 'The session credentials are invalid or have expired: check aws-session-token, or make the role session (role-duration-seconds) outlast the job.';
    case 'RequestTimeTooSkewed':
      return "This machine's clock is too far off for request signing: sync it (NTP).";
    case 'CredentialsProviderError':
      return 'No AWS credentials were found: run aws-actions/configure-aws-credentials before this step, or set aws-access-key-id and aws-secret-access-key.';
    case 'NoSuchBucket':
      return `Bucket "${ctx.bucket}" does not exist${endpoint ? ` at ${endpoint}` : ''}: check s3-bucket${endpoint ? ' and s3-endpoint' : ' (and s3-region)'}.`;
    case 'PermanentRedirect':
    case 'TemporaryRedirect':
    case 'AuthorizationHeaderMalformed':
    case 'IllegalLocationConstraintException':
      return regionHint(e, region);
    case 'ENOTFOUND':
    case 'EAI_AGAIN': {
      const host =
        e.hostname ?? hostOf(e.cause) ?? /ENOTFOUND (\S+)/.exec(text)?.[1] ?? 'the endpoint';
      if (endpoint && !forcePathStyle && host.startsWith(`${ctx.bucket}.`)) {
        return `${host} does not resolve: this store wants the bucket in the path, not in the host name: set s3-force-path-style: true.`;
      }
      return `${host} does not resolve: check s3-endpoint${endpoint ? '' : ' and s3-region'} and the runner's DNS.`;
    }
    case 'ECONNREFUSED':
      return `Nothing accepts connections at ${store}: check s3-endpoint (scheme, host and port) and that the store is running.`;
    case 'CERT_HAS_EXPIRED':
      return "The store's TLS certificate has expired (or this machine's clock is wrong).";
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return forcePathStyle
        ? "The store's TLS certificate does not name its host: check s3-endpoint."
        : "The store's TLS certificate does not cover the bucket's virtual host name (bucket names with dots cause this): set s3-force-path-style: true.";
    case 'EPROTO':
      return 'TLS handshake failed: check the scheme in s3-endpoint (http:// or https://).';
    case 'NotImplemented':
      return `The store does not implement this request (${ctx.operation}${ctx.operation === 'put' ? ', possibly If-None-Match conditional writes' : ''}).`;
  }
  if (code && TLS_TRUST.has(code)) {
    return "The store's TLS certificate is not trusted by Node.js: set NODE_EXTRA_CA_CERTS to a PEM file with your CA in the job's environment.";
  }
  if (code === 'AccessDenied' || code === 'Forbidden' || status === 403) {
    return accessHint(code, ctx, text);
  }
  if (status === 301 || status === 307) return regionHint(e, region);
  if (/region is missing/i.test(text)) {
    return 'No region is configured: set s3-region (or AWS_REGION).';
  }
  if (code === 'SlowDown' || status === 503) {
    return 'The store is throttling requests: lower concurrency, or retry later.';
  }
  return undefined;
}

function accessHint(code: string | undefined, ctx: S3ErrorContext, text: string): string {
  const { operation, bucket, name } = ctx;
  const resource =
    operation === 'list' || operation === 'list-uploads'
      ? `arn:aws:s3:::${bucket}`
      : `arn:aws:s3:::${bucket}/${name}`;
  let hint = `Access denied: the credentials likely lack ${PERMISSION[operation]} on ${resource}`;
  if (operation === 'put') hint += ' (and s3:AbortMultipartUpload to clean up failed uploads)';
  if (ctx.storage.sse?.type === 'aws:kms' || /kms/i.test(text)) {
    hint += '; with SSE-KMS also kms:Decrypt, and kms:GenerateDataKey to save, on the key';
  }
  hint += '. A bucket policy, permission boundary or SCP can deny it too.';
  if (code !== 'AccessDenied') {
    // A HEAD answer has no body: wrong credentials look the same as missing permissions.
    hint += ' If every request fails this way, check aws-access-key-id and aws-secret-access-key.';
  }
  return hint;
}

function regionHint(e: ErrorShape, configured: string | undefined): string {
  const region =
    e.$response?.headers?.['x-amz-bucket-region'] ??
    e.Region ??
    /expecting '([a-z0-9-]+)'/.exec(e.message ?? '')?.[1];
  const not = configured ? `, not ${configured}` : '';
  return region
    ? `The bucket is in ${region}${not}: set s3-region: ${region}.`
    : `The bucket is in another region${not}: set s3-region to the bucket's region.`;
}

function hostOf(err: unknown): string | undefined {
  return (err as ErrorShape | undefined)?.hostname;
}

export function statusOf(err: unknown): number | undefined {
  return (err as ErrorShape | undefined)?.$metadata?.httpStatusCode;
}

export function isMissingObject(err: unknown): boolean {
  const code = errorCode(err);
  return (
    code === 'NoSuchKey' ||
    code === 'NotFound' ||
    (statusOf(err) === 404 && code !== 'NoSuchBucket')
  );
}

/** 412 from If-None-Match, or 409 when a concurrent conditional write to the key was in flight. */
export function isConditionalConflict(err: unknown): boolean {
  const code = errorCode(err);
  return (
    code === 'PreconditionFailed' || code === 'ConditionalRequestConflict' || statusOf(err) === 412
  );
}
