// The single source of the three action.yml files and the README's input/output tables.
// `npm run generate` writes them; a unit test fails when any of them is out of date.
// `in` says which actions declare an input: c = combined (root), r = restore, s = save,
// p = prune. An action's `groups` adds every input of those groups (prune: the storage ones).
// An output's `in` defaults to 'cr'.

/**
 * The Marketplace listing's badge, written into every action.yml: `icon` is one of the Feather
 * icons GitHub accepts, `color` one of white, black, yellow, blue, green, orange, red, purple,
 * gray-dark. Only the root action.yml is listed; the others carry it for consistency.
 */
export const branding = { icon: 'archive', color: 'blue' };

export const actions = {
  c: {
    file: 'action.yml',
    name: 'bucket-cache',
    description:
      'Cache dependencies and build outputs in storage you own: S3 and S3-compatible stores, Azure Blob Storage or a directory. A drop-in for actions/cache.',
    main: 'dist/restore/index.js',
    post: 'dist/save/index.js',
  },
  r: {
    file: 'restore/action.yml',
    name: 'bucket-cache restore',
    description:
      'Restore a cache from S3, S3-compatible, Azure Blob or directory storage. Pair with bucket-cache/save.',
    main: '../dist/restore/index.js',
  },
  s: {
    file: 'save/action.yml',
    name: 'bucket-cache save',
    description:
      'Save a cache to S3, S3-compatible, Azure Blob or directory storage. Pair with bucket-cache/restore.',
    main: '../dist/save/index.js',
  },
  p: {
    file: 'prune/action.yml',
    name: 'bucket-cache prune',
    description:
      'Evict bucket-cache entries by last use, age, count or a total size budget, and clean up after unfinished saves. For a scheduled workflow.',
    main: '../dist/prune/index.js',
    groups: ['Storage', 'S3', 'Azure', 'Transfer'],
  },
};

export const inputs = [
  {
    group: 'Cache',
    name: 'path',
    in: 'crs',
    required: true,
    description:
      'Files, directories and wildcard patterns to cache and restore, one per line. `!` excludes, `~` is the home directory. Relative paths are relative to the workspace.',
  },
  {
    group: 'Cache',
    name: 'key',
    in: 'crs',
    required: true,
    description:
      'An explicit key for saving and restoring the cache (at most 512 characters, no commas).',
  },
  {
    group: 'Cache',
    name: 'restore-keys',
    in: 'cr',
    description:
      'Ordered list of key prefixes to fall back to when the key misses, one per line. The newest entry matching the first prefix that matches anything is restored.',
  },
  {
    group: 'Cache',
    name: 'fail-on-cache-miss',
    in: 'cr',
    default: 'false',
    description: 'Fail the workflow if no cache entry is found.',
  },
  {
    group: 'Cache',
    name: 'fail-on-error',
    in: 'crs',
    default: 'false',
    description:
      'Fail the step when the store fails (network, credentials, missing bucket, timeouts, a refused entry) instead of warning and carrying on as a miss or a skipped save. The CLI calls it `--strict`.',
  },
  {
    group: 'Cache',
    name: 'lookup-only',
    in: 'cr',
    default: 'false',
    description: 'Check whether a cache entry exists for the inputs without downloading it.',
  },
  {
    group: 'Cache',
    name: 'enableCrossOsArchive',
    in: 'crs',
    default: 'false',
    description: 'Allow an entry saved on one operating system to be restored on another.',
  },
  {
    group: 'Cache',
    name: 'save-always',
    in: 'c',
    default: 'false',
    description:
      'Accepted for compatibility with actions/cache and ignored, as it is deprecated there: to save even when the job fails, use the save action with if: always().',
    deprecationMessage:
      'save-always does not work as intended and will be removed in a future release.\nA separate `bucket-cache/restore` step should be used instead.\nSee the "Always save" example in save/README.md for more details.',
  },
  {
    group: 'Cache',
    name: 'save',
    in: 'c',
    default: 'true',
    description:
      'Save the cache in the post step. Set to false for a read-only cache, e.g. on pull requests.',
  },
  {
    group: 'Cache',
    name: 'overwrite',
    in: 'cs',
    default: 'false',
    description:
      'Replace an existing entry for the exact key. By default entries are immutable and the first writer wins. In the combined action the post step then saves after an exact hit too, so one fixed key is refreshed every run (a rolling cache).',
  },
  {
    group: 'Cache',
    name: 'allow-untrusted-save',
    in: 'cs',
    default: 'false',
    description:
      'Let `pull_request_target`, `issue_comment` and `workflow_run` runs save where they run (usually the default branch). By default they save to a scope only their pull request reads, because anyone who opens a pull request can start them.',
  },
  {
    group: 'Cache',
    name: 'scope',
    in: 'crs',
    default: 'branch',
    description:
      '`branch`: save to the current ref; restore from it, then the pull request base branch, then the default branch (as GitHub does). `repository`: one namespace shared by all refs.',
  },
  {
    group: 'Cache',
    name: 'compression',
    in: 'crs',
    default: 'auto',
    description:
      '`auto` (zstd when installed, else gzip), `zstd`, `gzip` or `none`. Entries are restored by runners using the same method; a zstd runner also restores gzip entries, so runners without zstd share caches with it.',
  },
  {
    group: 'Cache',
    name: 'compression-level',
    in: 'cs',
    description: 'Compressor level: zstd 1-19 (default 3), gzip 1-9 (default 6).',
  },
  {
    group: 'Storage',
    name: 'backend',
    in: 'crs',
    description:
      '`s3`, `azure` or `fs`. Default: inferred from which of s3-bucket, azure-container or fs-root is set.',
  },
  {
    group: 'Storage',
    name: 'prefix',
    in: 'crs',
    description:
      'Folder inside the bucket, container or directory under which all entries are stored.',
  },
  {
    group: 'Storage',
    name: 'fs-root',
    in: 'crs',
    description: 'fs backend: directory (local or a shared mount) that holds the caches.',
  },
  { group: 'S3', name: 's3-bucket', in: 'crs', description: 'S3 backend: bucket name.' },
  {
    group: 'S3',
    name: 's3-region',
    in: 'crs',
    description:
      'S3 backend: bucket region. Default: AWS_REGION, or us-east-1 with a custom endpoint.',
  },
  {
    group: 'S3',
    name: 's3-endpoint',
    in: 'crs',
    description:
      'S3-compatible endpoint URL (MinIO, Cloudflare R2, Ceph, https://storage.googleapis.com). Default: AWS.',
  },
  {
    group: 'S3',
    name: 's3-force-path-style',
    in: 'crs',
    description:
      'Use path-style addressing (endpoint/bucket/key). Default: true when s3-endpoint is set, else false.',
  },
  {
    group: 'S3',
    name: 's3-sse',
    in: 'crs',
    description: 'Server-side encryption for written objects: `AES256` or `aws:kms`.',
  },
  {
    group: 'S3',
    name: 's3-sse-kms-key-id',
    in: 'crs',
    description: 'KMS key id or ARN for `s3-sse: aws:kms` (default: the AWS managed key).',
  },
  {
    group: 'S3',
    name: 's3-checksum',
    in: 'crs',
    description:
      '`when-supported` (SDK default checksums) or `when-required` (for stores that reject them, e.g. R2). Default: when-required with s3-endpoint, else when-supported.',
  },
  {
    group: 'S3',
    name: 'aws-access-key-id',
    in: 'crs',
    description:
      'Static access key id. Default: the AWS credential chain (aws-actions/configure-aws-credentials, OIDC, environment).',
  },
  {
    group: 'S3',
    name: 'aws-secret-access-key',
    in: 'crs',
    description: 'Static secret access key (masked).',
  },
  {
    group: 'S3',
    name: 'aws-session-token',
    in: 'crs',
    description: 'Session token for temporary credentials (masked).',
  },
  {
    group: 'Azure',
    name: 'azure-container',
    in: 'crs',
    description: 'Azure backend: blob container name.',
  },
  {
    group: 'Azure',
    name: 'azure-connection-string',
    in: 'crs',
    description: 'Storage account connection string (masked).',
  },
  {
    group: 'Azure',
    name: 'azure-account-name',
    in: 'crs',
    description:
      'Storage account name; with azure-account-key, azure-sas-token, or alone for Microsoft Entra ID (azure/login).',
  },
  {
    group: 'Azure',
    name: 'azure-account-key',
    in: 'crs',
    description: 'Storage account key (masked).',
  },
  {
    group: 'Azure',
    name: 'azure-sas-token',
    in: 'crs',
    description: 'Container SAS token (masked).',
  },
  {
    group: 'Azure',
    name: 'azure-endpoint',
    in: 'crs',
    description: 'Blob service URL, for Azurite, sovereign clouds and private endpoints.',
  },
  {
    group: 'Transfer',
    name: 'concurrency',
    in: 'crs',
    default: '4',
    description: 'Parts uploaded or ranges downloaded in parallel.',
  },
  {
    group: 'Transfer',
    name: 'part-size',
    in: 'crs',
    default: '8MiB',
    description:
      'Size of each upload part, and of each download range when set (5MiB to 4000MiB; unset, downloads use 4MiB ranges). Memory use is about concurrency x part-size.',
  },
  {
    group: 'Transfer',
    name: 'upload-chunk-size',
    in: 'cs',
    description:
      "actions/cache's name for the upload part size, in bytes (or a size like 32MiB). Used when part-size is not set; raised to 5MiB or lowered to 4000MiB if outside the stores' limits.",
  },
  {
    group: 'Transfer',
    name: 'stall-timeout',
    in: 'crs',
    default: '120',
    description: 'Seconds a transfer may go without moving a byte before it is abandoned.',
  },
  {
    group: 'Transfer',
    name: 'timeout',
    in: 'crs',
    default: '0',
    description: 'Overall seconds allowed for one upload or download; 0 for no limit.',
  },
  {
    group: 'Prune',
    name: 'unused-for',
    in: 'p',
    description:
      'Delete entries not restored for this long, e.g. `7d` (units s, m, h, d, w; combinable: `1d12h`). Restores record their use at most once a day.',
  },
  {
    group: 'Prune',
    name: 'older-than',
    in: 'p',
    description:
      'Delete entries saved longer ago than this, however often they are used, e.g. `30d`.',
  },
  {
    group: 'Prune',
    name: 'keep',
    in: 'p',
    description:
      'Keep only the newest N entries of each repository, branch and version (path list, compression, OS).',
  },
  {
    group: 'Prune',
    name: 'max-total-size',
    in: 'cp',
    description:
      "Delete the least recently used entries until the rest total at most this, e.g. `50GiB`. prune: after the other rules. Combined action: this repository's entries, in the post step after each save that stored something.",
  },
  {
    group: 'Prune',
    name: 'all-repositories',
    in: 'p',
    default: 'false',
    description:
      "Prune every repository's entries under `prefix`, not just this repository's. Size budgets then hold for them all.",
  },
  {
    group: 'Prune',
    name: 'dry-run',
    in: 'p',
    default: 'false',
    description: 'Only report what would be deleted.',
  },
];

export const outputs = [
  {
    name: 'cache-hit',
    description: "'true' when an entry for the exact key was found, else 'false'.",
  },
  { name: 'cache-primary-key', description: 'The primary key that was looked up.' },
  {
    name: 'cache-matched-key',
    description:
      'Key of the entry that was restored (the primary key or a restore-keys match); empty on a miss.',
  },
  {
    name: 'cache-restored',
    description: "'true' when anything was restored, a restore-keys match included.",
  },
  { name: 'cache-size', description: 'Size in bytes of the matched archive; empty on a miss.' },
  {
    name: 'entries-removed',
    in: 'p',
    description: 'prune: number of entries deleted (or that would be, in a dry run).',
  },
  {
    name: 'bytes-freed',
    in: 'p',
    description: 'prune: bytes held by the deleted entries and orphaned archives.',
  },
];
