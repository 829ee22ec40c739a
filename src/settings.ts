/** Typed settings: produced only by inputs.ts (action) and cli/ (command line). */

export type CompressionChoice = 'auto' | 'zstd' | 'gzip' | 'none';
export type Scope = 'branch' | 'repository';

export interface FsStorage {
  kind: 'fs';
  /** Directory that holds the cache tree; created on first save. */
  root: string;
}

export interface S3Storage {
  kind: 's3';
  bucket: string;
  /** Region; undefined lets the SDK chain decide (AWS_REGION, profile). */
  region?: string;
  /** Custom endpoint for S3-compatible stores (MinIO, R2, Ceph, GCS interoperability). */
  endpoint?: string;
  /** Path-style addressing (`endpoint/bucket/key`), needed by most self-hosted stores. */
  forcePathStyle: boolean;
  /** Static credentials; undefined means the SDK's default credential chain (OIDC, profiles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Server-side encryption for written objects. */
  sse?: { type: 'AES256' | 'aws:kms'; kmsKeyId?: string };
  /**
   * 'when-supported' is the SDK default (CRC32 with aws-chunked uploads); 'when-required' sends
   * checksums only where the API demands them, for stores that reject the default (R2 and others).
   */
  checksum: 'when-supported' | 'when-required';
}

export interface AzureStorage {
  kind: 'azure';
  container: string;
  connectionString?: string;
  accountName?: string;
  accountKey?: string;
  /** A SAS token (with or without the leading '?'). */
  sasToken?: string;
  /** Blob service URL, e.g. an Azurite address or a sovereign cloud; default from the account name. */
  endpoint?: string;
}

export type StorageSettings = FsStorage | S3Storage | AzureStorage;

/** How bytes move; shared by every backend. */
export interface TransferSettings {
  /** Parallel part uploads / ranged downloads. */
  concurrency: number;
  /** Part (block) size in bytes; grown by a backend if a store's part limit requires it. */
  partSize: number;
  /** Download range size in bytes; partSize when unset. */
  rangeSize?: number;
  /** Abort a transfer that moves no bytes for this long (ms). */
  stallTimeoutMs: number;
  /** Abort a whole transfer that runs longer than this (ms); 0 means no deadline. */
  timeoutMs: number;
  /** actions/cache's SEGMENT_DOWNLOAD_TIMEOUT_MINS (ms): a restore's deadline when it is tighter. */
  downloadTimeoutMs?: number;
  /** What set timeoutMs, named when it runs out; 'timeout' when unset. */
  timeoutName?: string;
}

export interface CacheSettings {
  /** `path` lines as written (globs, `!` exclusions, `~`); empty only for the CLI's restore by key. */
  paths: string[];
  /** Primary key. */
  key: string;
  /** Restore keys in order, blank lines removed. */
  restoreKeys: string[];
  failOnCacheMiss: boolean;
  /** A storage failure fails the step (the CLI's --strict) instead of a warning and a miss. */
  failOnError: boolean;
  lookupOnly: boolean;
  enableCrossOsArchive: boolean;
  /** Root folder inside the bucket, container or directory ('' for none). */
  prefix: string;
  /** Combined action only: false makes the post step skip saving. */
  save: boolean;
  /** Replace an existing entry for the exact key instead of keeping the first. */
  overwrite: boolean;
  /**
   * Let runs of untrusted triggers (pull_request_target, issue_comment, workflow_run) save to
   * their ref's scope (usually the default branch's) instead of their pull request's.
   */
  allowUntrustedSave: boolean;
  scope: Scope;
  compression: CompressionChoice;
  /** Compressor level; undefined is the compressor's default for caches (zstd 3, gzip 6). */
  compressionLevel?: number;
}

export interface Settings {
  cache: CacheSettings;
  storage: StorageSettings;
  transfer: TransferSettings;
}

/** The prune action's rules (see cache/prune.ts); undefined rules are off. */
export interface PruneSettings {
  unusedForMs?: number;
  olderThanMs?: number;
  keep?: number;
  maxSizeBytes?: number;
  /** Every repository under the prefix, not just the workflow's own. */
  allRepositories: boolean;
  dryRun: boolean;
}
