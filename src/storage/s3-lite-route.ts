import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

import type { S3Storage } from '../settings.js';
import type { SigningCredentials } from './s3-sign.js';

/** Where and how S3 lookups go without the SDK: what the SDK would resolve, spelled out. */
export interface LiteRoute {
  protocol: 'http:' | 'https:';
  /** The host to connect to. */
  hostname: string;
  port?: number;
  /** The Host header: the host name plus a port that is not the scheme's default. */
  host: string;
  /** '' when the bucket is in the host name, else '/<bucket>' (path style). */
  bucketPath: string;
  region: string;
  credentials: SigningCredentials;
}

export type RouteDecision = { route: LiteRoute } | { sdk: string };

/**
 * Environment variables known to change nothing the lookups do when credentials are static:
 * the credentials themselves, the region (ours is resolved before), settings the client is
 * given explicitly (max attempts, checksums), and names the SDK only puts in its User-Agent.
 * Any other AWS_* variable (AWS_PROFILE, AWS_ENDPOINT_URL*, AWS_USE_FIPS_ENDPOINT,
 * AWS_USE_DUALSTACK_ENDPOINT, AWS_RETRY_MODE, AWS_S3_US_EAST_1_REGIONAL_ENDPOINT, ...) sends
 * the lookups through the SDK, which knows what it means.
 */
const NEUTRAL_ENV = new Set([
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_MAX_ATTEMPTS',
  'AWS_REQUEST_CHECKSUM_CALCULATION',
  'AWS_RESPONSE_CHECKSUM_VALIDATION',
  'AWS_EXECUTION_ENV',
  'AWS_SDK_UA_APP_ID',
  // Read by the CLI and other SDKs, not by the JavaScript SDK (Node reads NODE_EXTRA_CA_CERTS).
  'AWS_CA_BUNDLE',
  // Instance metadata (IMDS): consulted only for credentials or a region, both given here.
  'AWS_EC2_METADATA_DISABLED',
  'AWS_EC2_METADATA_V1_DISABLED',
  'AWS_EC2_METADATA_SERVICE_ENDPOINT',
  'AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE',
]);

/** Regions of the commercial partition (amazonaws.com); others (China, GovCloud, ISO) use the SDK. */
const AWS_REGION =
  /^(af|ap|ca|eu|il|me|mx|sa|us)-(central|north|south|east|west|northeast|northwest|southeast|southwest)-\d{1,2}$/;
/** A bucket name the SDK puts in the host name: a DNS label, no dots, not IP-like. */
const VIRTUAL_HOSTABLE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
/** Bucket names that need no escaping in a path (no ARNs, no access point aliases' colons). */
const PLAIN_BUCKET = /^[A-Za-z0-9._-]{1,255}$/;

/**
 * Decide whether stat and list can skip the SDK, and if so where they go. Only when the result
 * is provably what the SDK would do: static credentials (inputs first, else the environment's,
 * exactly as the SDK's fromEnv reads them), a region given, a plain endpoint, no shared config
 * file and no AWS_* setting that could change endpoints, retries or credentials. Otherwise the
 * reason, for a debug line, and the SDK as before.
 */
export function routeLookups(
  storage: S3Storage,
  env: Record<string, string | undefined> = process.env,
  fileExists: (file: string) => boolean = existsSync,
): RouteDecision {
  const unknown = Object.keys(env).find(
    (k) => k.startsWith('AWS_') && env[k] !== undefined && !NEUTRAL_ENV.has(k),
  );
  if (unknown) return { sdk: `${unknown} is set` };
  const credentials = storage.credentials ?? envCredentials(env);
  if (!credentials) return { sdk: 'no static credentials (the SDK credential chain decides)' };
  const shared = sharedFiles(env).find((f) => fileExists(f));
  if (shared) return { sdk: `${shared} exists` };
  const region = storage.region;
  if (!region) return { sdk: 'no region given' };
  const bucket = storage.bucket;
  if (!PLAIN_BUCKET.test(bucket)) return { sdk: 'bucket name needs the SDK' };

  if (storage.endpoint) {
    const url = new URL(storage.endpoint);
    if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
      return { sdk: 'endpoint has a path' };
    }
    if (url.hostname.startsWith('[')) return { sdk: 'IPv6 endpoint' };
    const protocol = url.protocol as LiteRoute['protocol'];
    const port = url.port ? Number(url.port) : undefined;
    if (storage.forcePathStyle) {
      return { route: at(protocol, url.hostname, port, `/${bucket}`, region, credentials) };
    }
    if (!VIRTUAL_HOSTABLE.test(bucket) || /^[\d.]+$/.test(url.hostname)) {
      return { sdk: 'bucket cannot go in the host name' };
    }
    return { route: at(protocol, `${bucket}.${url.hostname}`, port, '', region, credentials) };
  }
  if (!AWS_REGION.test(region)) return { sdk: `region ${region} is outside the aws partition` };
  const s3 = `s3.${region}.amazonaws.com`;
  if (storage.forcePathStyle) {
    return { route: at('https:', s3, undefined, `/${bucket}`, region, credentials) };
  }
  if (!VIRTUAL_HOSTABLE.test(bucket)) return { sdk: 'bucket cannot go in the host name' };
  return { route: at('https:', `${bucket}.${s3}`, undefined, '', region, credentials) };
}

/** What the SDK's fromEnv provider reads: both keys, and the session token if set. */
function envCredentials(env: Record<string, string | undefined>): SigningCredentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined };
}

/**
 * The SDK reads endpoint, FIPS, dual-stack and retry settings from the shared files (both of
 * them, merged per profile) even when the credentials are static. Where it looks for them.
 */
function sharedFiles(env: Record<string, string | undefined>): string[] {
  const homes = [env.HOME, env.USERPROFILE, homedir()].filter((h): h is string => Boolean(h));
  return homes.flatMap((h) => [
    path.join(h, '.aws', 'config'),
    path.join(h, '.aws', 'credentials'),
  ]);
}

function at(
  protocol: LiteRoute['protocol'],
  hostname: string,
  port: number | undefined,
  bucketPath: string,
  region: string,
  credentials: SigningCredentials,
): LiteRoute {
  return {
    protocol,
    hostname,
    port,
    host: port === undefined ? hostname : `${hostname}:${port}`,
    bucketPath,
    region,
    credentials,
  };
}
