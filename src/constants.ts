/** Action input names, exactly as in the action.yml files. */
export enum Inputs {
  Path = 'path',
  Key = 'key',
  RestoreKeys = 'restore-keys',
  FailOnCacheMiss = 'fail-on-cache-miss',
  FailOnError = 'fail-on-error',
  LookupOnly = 'lookup-only',
  EnableCrossOsArchive = 'enableCrossOsArchive',
  Backend = 'backend',
  Prefix = 'prefix',
  Save = 'save',
  Overwrite = 'overwrite',
  AllowUntrustedSave = 'allow-untrusted-save',
  Scope = 'scope',
  Compression = 'compression',
  CompressionLevel = 'compression-level',
  Concurrency = 'concurrency',
  PartSize = 'part-size',
  StallTimeout = 'stall-timeout',
  Timeout = 'timeout',
  FsRoot = 'fs-root',
  S3Bucket = 's3-bucket',
  S3Region = 's3-region',
  S3Endpoint = 's3-endpoint',
  S3ForcePathStyle = 's3-force-path-style',
  S3Sse = 's3-sse',
  S3SseKmsKeyId = 's3-sse-kms-key-id',
  S3Checksum = 's3-checksum',
  AwsAccessKeyId = 'aws-access-key-id',
  AwsSecretAccessKey = 'aws-secret-access-key',
  AwsSessionToken = 'aws-session-token',
  AzureContainer = 'azure-container',
  AzureConnectionString = 'azure-connection-string',
  AzureAccountName = 'azure-account-name',
  AzureAccountKey = 'azure-account-key',
  AzureSasToken = 'azure-sas-token',
  AzureEndpoint = 'azure-endpoint',
  /** actions/cache's name for the upload part size, in bytes; part-size wins when both are set. */
  UploadChunkSize = 'upload-chunk-size',
  /** actions/cache's deprecated input: accepted, never read; the runner shows the deprecation. */
  SaveAlways = 'save-always',
}

/** Inputs of the prune action alone (prune/action.yml), besides the storage and transfer ones. */
export enum PruneInputs {
  UnusedFor = 'unused-for',
  OlderThan = 'older-than',
  Keep = 'keep',
  MaxTotalSize = 'max-total-size',
  AllRepositories = 'all-repositories',
  DryRun = 'dry-run',
}

/** Inputs whose values are secrets: masked as soon as they are read. */
export const SecretInputs: readonly Inputs[] = [
  Inputs.AwsAccessKeyId,
  Inputs.AwsSecretAccessKey,
  Inputs.AwsSessionToken,
  Inputs.AzureConnectionString,
  Inputs.AzureAccountKey,
  Inputs.AzureSasToken,
];

export enum Outputs {
  CacheHit = 'cache-hit',
  CachePrimaryKey = 'cache-primary-key',
  CacheMatchedKey = 'cache-matched-key',
  CacheRestored = 'cache-restored',
  CacheSize = 'cache-size',
}

/** Outputs of the prune action. */
export enum PruneOutputs {
  EntriesRemoved = 'entries-removed',
  BytesFreed = 'bytes-freed',
}

/** The one state entry handed from the main step to the post step. */
export enum State {
  Restore = 'restore-state',
}

export const Limits = {
  /** actions/cache's limits, so keys valid there are valid here and vice versa. */
  maxKeyLength: 512,
  maxKeys: 10,
  /** S3 and Azure both cap object names at 1024 (bytes / characters). */
  maxObjectNameBytes: 1024,
} as const;

export const Defaults = {
  concurrency: 4,
  partSize: 8 * 1024 * 1024,
  /**
   * Download ranges when part-size is not set: half the upload part, because a restore holds
   * `concurrency` of them for its whole length (see the README's performance section).
   */
  rangeSize: 4 * 1024 * 1024,
  stallTimeoutSeconds: 120,
  timeoutSeconds: 0,
} as const;

/** Bump when the archive format or layout changes incompatibly: old entries become invisible. */
export const FormatVersion = '1';
