import os from 'node:os';
import path from 'node:path';

import { declaredRoots } from './archive/paths.js';
import { Defaults, Inputs, PruneInputs } from './constants.js';
import { ValidationError } from './errors.js';
import type {
  AzureStorage,
  CacheSettings,
  CompressionChoice,
  PruneSettings,
  S3Storage,
  Scope,
  Settings,
  StorageSettings,
  TransferSettings,
} from './settings.js';
import { checkEndpoint, validateAzureStorage } from './storage/azure-config.js';
import { durationMs } from './util/duration.js';

/** Returns an input's raw value, '' when unset. The action and the CLI each supply one. */
export type InputSource = (name: Inputs) => string;

/** Validates the user's `prefix`: a plain folder path inside the bucket, container or root. */
export function normalizePrefix(prefix: string): string {
  const trimmed = prefix.trim().replace(/^\/+|\/+$/g, '');
  if (!trimmed) return '';
  for (const seg of trimmed.split('/')) {
    // eslint-disable-next-line no-control-regex
    if (seg === '' || seg === '.' || seg === '..' || /[\\\u0000-\u001f\u007f]/.test(seg)) {
      throw new ValidationError(
        `prefix ${JSON.stringify(prefix)} must be a folder path like "ci/cache" with no empty, '.' or '..' parts, backslashes or control characters.`,
        Inputs.Prefix,
      );
    }
  }
  return trimmed;
}

/** Parses and validates every setting; errors name the input at fault. */
export function parseSettings(
  get: InputSource,
  env: Record<string, string | undefined> = process.env,
  workspace = process.cwd(),
  /** The CLI's restore may omit `path`: it then restores the paths the entry was saved from. */
  opts: { pathOptional?: boolean } = {},
): Settings {
  const store = parseStoreSettings(get, env, workspace);
  const cache = parseCache(get, (name) => get(name).trim(), opts.pathOptional ?? false);
  if (store.storage.kind === 'fs') checkFsRootOutside(store.storage.root, cache.paths, workspace);
  return {
    cache: { ...cache, prefix: store.prefix },
    storage: store.storage,
    transfer: store.transfer,
  };
}

/** A store inside a cached path would archive itself, growing with every save. */
function checkFsRootOutside(root: string, paths: string[], workspace: string): void {
  for (const cached of declaredRoots(paths, workspace)) {
    const rel = path.relative(cached, root);
    if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
      throw new ValidationError(
        `Input ${Inputs.FsRoot} (${root}) is inside the cached ${Inputs.Path} ${cached}: every save would archive the store itself. Move ${Inputs.FsRoot} outside the paths listed in ${Inputs.Path}.`,
        Inputs.FsRoot,
      );
    }
  }
}

/** Where entries live and how bytes move: all that list, delete and prune need. */
export interface StoreSettings {
  storage: StorageSettings;
  transfer: TransferSettings;
  prefix: string;
}

export function parseStoreSettings(
  get: InputSource,
  env: Record<string, string | undefined> = process.env,
  workspace = process.cwd(),
): StoreSettings {
  const text = (name: Inputs): string => get(name).trim();
  return {
    storage: parseStorage(text, env, workspace),
    transfer: { ...parseTransfer(text), downloadTimeoutMs: segmentDownloadTimeout(env) },
    prefix: normalizePrefix(text(Inputs.Prefix)),
  };
}

function lines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

function bool(text: (n: Inputs) => string, name: Inputs, fallback: boolean): boolean {
  const v = text(name).toLowerCase();
  if (v === '') return fallback;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new ValidationError(
    `Input ${name} must be "true" or "false", got ${JSON.stringify(text(name))}.`,
    name,
  );
}

function oneOf<T extends string>(
  text: (n: Inputs) => string,
  name: Inputs,
  allowed: readonly T[],
  fallback: T,
): T {
  const v = text(name);
  if (v === '') return fallback;
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new ValidationError(
    `Input ${name} must be one of ${allowed.join(', ')}; got ${JSON.stringify(v)}.`,
    name,
  );
}

function int(
  text: (n: Inputs) => string,
  name: Inputs,
  min: number,
  max: number,
): number | undefined {
  const v = text(name);
  if (v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ValidationError(
      `Input ${name} must be a whole number from ${min} to ${max}; got ${JSON.stringify(v)}.`,
      name,
    );
  }
  return n;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** "16MiB", "8m", "5242880" → bytes. Binary units: part sizes are MiB in every store's docs. */
export function parseSize(value: string, name: Inputs | PruneInputs): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = SIZE_UNITS[m?.[2]?.toLowerCase() ?? 'x'];
  if (!m || unit === undefined) {
    throw new ValidationError(
      `Input ${name} must be a size like 16MiB, 8M or 5242880; got ${JSON.stringify(value)}.`,
      name,
    );
  }
  return Math.round(Number(m[1]) * unit);
}

function parseCache(
  get: InputSource,
  text: (n: Inputs) => string,
  pathOptional: boolean,
): Omit<CacheSettings, 'prefix'> {
  const paths = lines(get(Inputs.Path));
  if (paths.length === 0 && !pathOptional) {
    throw new ValidationError('Input required and not supplied: path', Inputs.Path);
  }
  const key = text(Inputs.Key);
  if (!key) throw new ValidationError('Input required and not supplied: key', Inputs.Key);
  const compression = oneOf<CompressionChoice>(
    text,
    Inputs.Compression,
    ['auto', 'zstd', 'gzip', 'none'],
    'auto',
  );
  const level = int(text, Inputs.CompressionLevel, 1, 22);
  if (level !== undefined && compression === 'gzip' && level > 9) {
    throw new ValidationError(
      `Input ${Inputs.CompressionLevel} must be 1 to 9 for gzip; got ${level}.`,
      Inputs.CompressionLevel,
    );
  }
  return {
    paths,
    key,
    restoreKeys: lines(get(Inputs.RestoreKeys)),
    failOnCacheMiss: bool(text, Inputs.FailOnCacheMiss, false),
    failOnError: bool(text, Inputs.FailOnError, false),
    lookupOnly: bool(text, Inputs.LookupOnly, false),
    enableCrossOsArchive: bool(text, Inputs.EnableCrossOsArchive, false),
    save: bool(text, Inputs.Save, true),
    overwrite: bool(text, Inputs.Overwrite, false),
    allowUntrustedSave: bool(text, Inputs.AllowUntrustedSave, false),
    scope: oneOf<Scope>(text, Inputs.Scope, ['branch', 'repository'], 'branch'),
    compression,
    compressionLevel: level,
  };
}

function parseTransfer(text: (n: Inputs) => string): TransferSettings {
  const partSizeText = text(Inputs.PartSize);
  const chunk = partSizeText ? undefined : uploadChunkSize(text);
  const partSize =
    chunk ?? (partSizeText ? parseSize(partSizeText, Inputs.PartSize) : Defaults.partSize);
  if (partSize < 5 * 1024 ** 2 || partSize > 4000 * 1024 ** 2) {
    // S3 refuses parts under 5 MiB; Azure blocks stop at 4000 MiB.
    throw new ValidationError(
      `Input ${Inputs.PartSize} must be from 5MiB to 4000MiB; got ${partSizeText}.`,
      Inputs.PartSize,
    );
  }
  return {
    concurrency: int(text, Inputs.Concurrency, 1, 64) ?? Defaults.concurrency,
    partSize,
    // A part size the user chose applies to downloads too.
    rangeSize: partSizeText || chunk ? partSize : Defaults.rangeSize,
    stallTimeoutMs:
      (int(text, Inputs.StallTimeout, 1, 86_400) ?? Defaults.stallTimeoutSeconds) * 1000,
    timeoutMs: (int(text, Inputs.Timeout, 0, 86_400) ?? Defaults.timeoutSeconds) * 1000,
  };
}

/**
 * actions/cache's upload-chunk-size, as the part size. Workflows written for GitHub's cache service
 * may give any byte count, so it is brought inside the stores' limits instead of refused.
 */
function uploadChunkSize(text: (n: Inputs) => string): number | undefined {
  const raw = text(Inputs.UploadChunkSize);
  if (!raw) return undefined;
  const bytes = parseSize(raw, Inputs.UploadChunkSize);
  return Math.min(Math.max(bytes, 5 * 1024 ** 2), 4000 * 1024 ** 2);
}

/**
 * actions/cache reads SEGMENT_DOWNLOAD_TIMEOUT_MINS from the environment as its download deadline;
 * minutes, fractions allowed. Unset means no deadline beyond `timeout` (stall-timeout still applies).
 */
function segmentDownloadTimeout(env: Record<string, string | undefined>): number | undefined {
  const name = 'SEGMENT_DOWNLOAD_TIMEOUT_MINS';
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const minutes = Number(raw);
  if (!Number.isFinite(minutes) || minutes <= 0) {
    throw new ValidationError(
      `${name} must be a number of minutes greater than 0 (the restore's download deadline); got ${JSON.stringify(raw)}.`,
      name,
    );
  }
  return Math.max(1, Math.round(minutes * 60_000));
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

function parseStorage(
  text: (n: Inputs) => string,
  env: Record<string, string | undefined>,
  workspace: string,
): StorageSettings {
  const configured = {
    s3: Boolean(text(Inputs.S3Bucket)),
    azure: Boolean(text(Inputs.AzureContainer) || text(Inputs.AzureConnectionString)),
    fs: Boolean(text(Inputs.FsRoot)),
  };
  let kind = oneOf<'' | 's3' | 'azure' | 'fs'>(text, Inputs.Backend, ['s3', 'azure', 'fs'], '');
  if (!kind) {
    const found = (Object.keys(configured) as (keyof typeof configured)[]).filter(
      (k) => configured[k],
    );
    if (found.length === 0) {
      throw new ValidationError(
        `No cache storage is configured. Set ${Inputs.S3Bucket} (S3 and S3-compatible), ${Inputs.AzureContainer} (Azure Blob) or ${Inputs.FsRoot} (a directory), and optionally ${Inputs.Backend}.`,
        Inputs.Backend,
      );
    }
    if (found.length > 1) {
      throw new ValidationError(
        `Settings for several backends are set (${found.join(', ')}); choose one with ${Inputs.Backend}.`,
        Inputs.Backend,
      );
    }
    kind = found[0]!;
  }
  if (kind === 'fs') {
    const root = text(Inputs.FsRoot);
    if (!root)
      throw new ValidationError(
        `backend fs needs ${Inputs.FsRoot}: the directory that holds the caches.`,
        Inputs.FsRoot,
      );
    return { kind: 'fs', root: path.resolve(workspace, expandHome(root)) };
  }
  if (kind === 's3') return parseS3(text, env);
  return parseAzure(text);
}

function parseS3(text: (n: Inputs) => string, env: Record<string, string | undefined>): S3Storage {
  const bucket = text(Inputs.S3Bucket);
  if (!bucket) throw new ValidationError(`backend s3 needs ${Inputs.S3Bucket}.`, Inputs.S3Bucket);
  const endpoint = text(Inputs.S3Endpoint) || undefined;
  if (endpoint) checkEndpoint(endpoint, Inputs.S3Endpoint);
  const accessKeyId = text(Inputs.AwsAccessKeyId);
  const secretAccessKey = text(Inputs.AwsSecretAccessKey);
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new ValidationError(
      `Set both ${Inputs.AwsAccessKeyId} and ${Inputs.AwsSecretAccessKey}, or neither to use the AWS credential chain (OIDC, environment, profile).`,
      accessKeyId ? Inputs.AwsSecretAccessKey : Inputs.AwsAccessKeyId,
    );
  }
  const sseType = oneOf<'' | 'AES256' | 'aws:kms'>(text, Inputs.S3Sse, ['AES256', 'aws:kms'], '');
  const kmsKeyId = text(Inputs.S3SseKmsKeyId) || undefined;
  if (kmsKeyId && sseType !== 'aws:kms') {
    throw new ValidationError(
      `${Inputs.S3SseKmsKeyId} needs ${Inputs.S3Sse}: aws:kms.`,
      Inputs.S3SseKmsKeyId,
    );
  }
  return {
    kind: 's3',
    bucket,
    // S3-compatible stores accept any region name; AWS itself needs the real one or the chain's.
    region:
      text(Inputs.S3Region) ||
      env.AWS_REGION ||
      env.AWS_DEFAULT_REGION ||
      (endpoint ? 'us-east-1' : undefined),
    endpoint,
    forcePathStyle: bool(text, Inputs.S3ForcePathStyle, Boolean(endpoint)),
    credentials: accessKeyId
      ? { accessKeyId, secretAccessKey, sessionToken: text(Inputs.AwsSessionToken) || undefined }
      : undefined,
    sse: sseType ? { type: sseType, kmsKeyId } : undefined,
    // Most S3-compatible stores reject the SDK's default CRC32/aws-chunked uploads.
    checksum: oneOf(
      text,
      Inputs.S3Checksum,
      ['when-supported', 'when-required'],
      endpoint ? 'when-required' : 'when-supported',
    ),
  };
}

function parseAzure(text: (n: Inputs) => string): AzureStorage {
  const storage: AzureStorage = {
    kind: 'azure',
    container: text(Inputs.AzureContainer),
    connectionString: text(Inputs.AzureConnectionString) || undefined,
    accountName: text(Inputs.AzureAccountName) || undefined,
    accountKey: text(Inputs.AzureAccountKey) || undefined,
    sasToken: text(Inputs.AzureSasToken) || undefined,
    endpoint: text(Inputs.AzureEndpoint) || undefined,
  };
  validateAzureStorage(storage);
  return storage;
}

/** The combined action's max-total-size: a budget its post step prunes to; undefined if unset. */
export function parsePruneBudget(get: (name: PruneInputs) => string): number | undefined {
  const size = get(PruneInputs.MaxTotalSize).trim();
  return size ? parseSize(size, PruneInputs.MaxTotalSize) : undefined;
}

/** Parses the prune action's rules; errors name the input at fault. */
export function parsePruneSettings(get: (name: PruneInputs) => string): PruneSettings {
  const text = (name: PruneInputs): string => get(name).trim();
  const duration = (name: PruneInputs): number | undefined => {
    if (!text(name)) return undefined;
    const ms = durationMs(text(name));
    if (ms === undefined) {
      throw new ValidationError(
        `Input ${name} must be a duration like 7d, 12h, 1d12h or 2w (units s, m, h, d, w); got ${JSON.stringify(text(name))}.`,
        name,
      );
    }
    return ms;
  };
  const keep = text(PruneInputs.Keep);
  if (keep && (!/^\d+$/.test(keep) || Number(keep) < 1)) {
    throw new ValidationError(
      `Input ${PruneInputs.Keep} must be a whole number of at least 1; got ${JSON.stringify(keep)}.`,
      PruneInputs.Keep,
    );
  }
  const flag = (name: PruneInputs): boolean => {
    const v = text(name).toLowerCase();
    if (v === '' || v === 'false') return false;
    if (v === 'true') return true;
    throw new ValidationError(
      `Input ${name} must be "true" or "false", got ${JSON.stringify(v)}.`,
      name,
    );
  };
  const size = text(PruneInputs.MaxTotalSize);
  return {
    unusedForMs: duration(PruneInputs.UnusedFor),
    olderThanMs: duration(PruneInputs.OlderThan),
    keep: keep ? Number(keep) : undefined,
    maxSizeBytes: size ? parseSize(size, PruneInputs.MaxTotalSize) : undefined,
    allRepositories: flag(PruneInputs.AllRepositories),
    dryRun: flag(PruneInputs.DryRun),
  };
}
