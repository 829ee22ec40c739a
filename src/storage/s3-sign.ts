import { createHash, createHmac } from 'node:crypto';

// AWS Signature Version 4 for the S3 lookups that skip the SDK (s3-lite.ts). Written out rather
// than taken from @smithy/signature-v4: that package pulls in most of @smithy/core, which is what
// a miss must not load. A unit test signs the same requests with @smithy/signature-v4 as the S3
// client configures it (S3 paths are not escaped twice) and expects the same Authorization.

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignRequest {
  method: string;
  /** The Host header as sent (with the port when it is not the scheme's default). */
  host: string;
  /** The path as sent: already URI-encoded (S3 signs it as is). */
  path: string;
  /** Query parameters, not encoded. */
  query: Record<string, string>;
  region: string;
  credentials: SigningCredentials;
  /** The signing time: the local clock corrected by the store's (see S3Lite). */
  date: Date;
}

/** SHA-256 of an empty payload: every lookup is a HEAD or GET without a body. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The headers that sign `req`: host, x-amz-date, x-amz-content-sha256, the token, Authorization. */
export function signRequest(req: SignRequest): Record<string, string> {
  const longDate = req.date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const shortDate = longDate.slice(0, 8);
  const headers: Record<string, string> = {
    host: req.host,
    'x-amz-content-sha256': EMPTY_SHA256,
    'x-amz-date': longDate,
  };
  if (req.credentials.sessionToken) headers['x-amz-security-token'] = req.credentials.sessionToken;
  const names = Object.keys(headers).sort();
  const canonical = [
    req.method,
    req.path,
    canonicalQuery(req.query),
    ...names.map((n) => `${n}:${headers[n]!.trim().replace(/\s+/g, ' ')}`),
    '',
    names.join(';'),
    EMPTY_SHA256,
  ].join('\n');
  const scope = `${shortDate}/${req.region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', longDate, scope, sha256Hex(canonical)].join('\n');
  let key: Buffer = hmac(`AWS4${req.credentials.secretAccessKey}`, shortDate);
  for (const part of [req.region, 's3', 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
  headers.authorization =
    `AWS4-HMAC-SHA256 Credential=${req.credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return headers;
}

/** RFC 3986 encoding, as SigV4 wants it: encodeURIComponent plus !'()*. */
export function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** An object key as a URL path: each segment escaped, the slashes kept (as the S3 client does). */
export function escapeKey(key: string): string {
  return key.split('/').map(escapeUri).join('/');
}

/** The query string as sent and as signed: names and values escaped, sorted by escaped name. */
export function canonicalQuery(query: Record<string, string>): string {
  return Object.entries(query)
    .map(([k, v]) => [escapeUri(k), escapeUri(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function sha256Hex(data: string): string {
  return createHash('sha256').update(data, 'utf8').digest('hex');
}
