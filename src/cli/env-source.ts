import { Inputs, SecretInputs } from '../constants.js';
import { ValidationError } from '../errors.js';
import type { InputSource } from '../inputs.js';
import { secretParts } from '../secrets.js';
import { type Command, splitKeys, splitLines, UsageError } from './args.js';

type Env = Record<string, string | undefined>;

/**
 * Where the CLI's settings come from, first match wins:
 *   1. the flag (`--s3-bucket`),
 *   2. `BUCKET_CACHE_<NAME>` (`BUCKET_CACHE_S3_BUCKET`),
 *   3. a Drone/Harness plugin setting (`PLUGIN_BUCKET`), translated to our meaning,
 *   4. a few well-known variables (`AZURE_STORAGE_CONNECTION_STRING`).
 * Values are handed to parseSettings untouched except for the plugin translations below, so
 * validation stays in inputs.ts.
 */
export interface CliSource {
  get: InputSource;
  /** The flag or variable that supplied `name`, for error messages; undefined when unset. */
  origin(name: Inputs): string | undefined;
  /** Every value that must never be printed: secret inputs and their embedded keys. */
  secrets(): string[];
}

/** `s3-bucket` → `BUCKET_CACHE_S3_BUCKET`; `enableCrossOsArchive` → `BUCKET_CACHE_ENABLE_CROSS_OS_ARCHIVE`. */
export function envName(name: string): string {
  return `BUCKET_CACHE_${name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toUpperCase()}`;
}

interface PluginSetting {
  /** Variables in order of preference. */
  vars: string[];
  /** Translates drone-cache's value into ours; '' means "not set". */
  map?: (value: string, env: Env, variable: string) => string;
}

/** drone-cache's booleans go through Go's strconv.ParseBool. */
function goBool(value: string): string {
  const v = value.trim();
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return 'true';
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return 'false';
  return value;
}

/** drone-cache backends → ours; the two we do not offer get a hint instead of a bare refusal. */
function pluginBackend(value: string, _env: Env, variable: string): string {
  const v = value.trim().toLowerCase();
  if (v === 'filesystem') return 'fs';
  if (v === 'gcs') {
    throw new ValidationError(
      `${variable}=gcs is not supported. Use Cloud Storage through its S3 interoperability API: backend s3, endpoint https://storage.googleapis.com, and an HMAC key as access_key/secret_key.`,
      Inputs.Backend,
    );
  }
  if (v === 'sftp') {
    throw new ValidationError(
      `${variable}=sftp is not supported. Mount the share and use backend filesystem with filesystem_cache_root, or use S3 or Azure.`,
      Inputs.Backend,
    );
  }
  return v;
}

function pluginArchiveFormat(value: string, _env: Env, variable: string): string {
  const v = value.trim().toLowerCase();
  if (v === 'tar') return 'none';
  if (v === 'gzip' || v === 'zstd') return v;
  throw new ValidationError(
    `${variable} must be tar, gzip or zstd; got ${JSON.stringify(value)}.`,
    Inputs.Compression,
  );
}

/** Go's gzip levels run -2..9 with -1 "default" and 0 "store": leave those to our default. */
function pluginCompressionLevel(value: string): string {
  const n = Number(value.trim());
  return Number.isInteger(n) && n <= 0 ? '' : value;
}

const GO_DURATION_UNITS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/** A Go duration ("1800s", "5m", "1h30m") → whole seconds, as our `timeout` takes. */
export function goDurationSeconds(value: string, variable: string): string {
  const text = value.trim();
  if (text === '0') return '0';
  const unit = /(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)/g;
  if (!text || text.replace(unit, '') !== '') {
    throw new ValidationError(
      `${variable} must be a duration like 1800s, 30m or 1h30m; got ${JSON.stringify(value)}.`,
      Inputs.Timeout,
    );
  }
  let seconds = 0;
  for (const m of text.matchAll(unit)) seconds += Number(m[1]) * GO_DURATION_UNITS[m[2]!]!;
  return String(Math.ceil(seconds));
}

/**
 * drone-cache's AZURE_BLOB_STORAGE_URL is a host suffix ("blob.core.chinacloudapi.cn") joined to
 * the account name; ours is the whole service URL.
 */
function azureStorageUrl(value: string, env: Env): string {
  const v = value.trim();
  if (/^https?:\/\//.test(v)) return v;
  if (v === 'blob.core.windows.net') return '';
  const account = env.PLUGIN_ACCOUNT_NAME?.trim();
  return account ? `https://${account}.${v}` : '';
}

/** drone-cache and Harness settings, by the input they stand for. */
export const PluginSettings: Partial<Record<Inputs, PluginSetting>> = {
  [Inputs.Backend]: { vars: ['PLUGIN_BACKEND'], map: pluginBackend },
  [Inputs.Key]: { vars: ['PLUGIN_CACHE_KEY'] },
  // Drone and Harness pass list settings comma-joined.
  [Inputs.Path]: {
    vars: ['PLUGIN_MOUNT'],
    map: (v) =>
      v
        .split(',')
        .map((p) => p.trim())
        .join('\n'),
  },
  [Inputs.Prefix]: { vars: ['PLUGIN_REMOTE_ROOT'] },
  [Inputs.Overwrite]: { vars: ['PLUGIN_OVERRIDE'], map: goBool },
  [Inputs.FailOnCacheMiss]: { vars: ['PLUGIN_FAIL_RESTORE_IF_KEY_NOT_PRESENT'], map: goBool },
  [Inputs.Compression]: { vars: ['PLUGIN_ARCHIVE_FORMAT'], map: pluginArchiveFormat },
  [Inputs.CompressionLevel]: { vars: ['PLUGIN_COMPRESSION_LEVEL'], map: pluginCompressionLevel },
  [Inputs.Timeout]: {
    vars: ['PLUGIN_BACKEND_OPERATION_TIMEOUT'],
    map: (v, _env, variable) => goDurationSeconds(v, variable),
  },
  [Inputs.FsRoot]: { vars: ['PLUGIN_FILESYSTEM_CACHE_ROOT'] },
  [Inputs.S3Bucket]: { vars: ['PLUGIN_BUCKET'] },
  [Inputs.S3Region]: { vars: ['PLUGIN_REGION'] },
  // drone-cache's SDK took a bare host ("minio:9000") as https.
  [Inputs.S3Endpoint]: {
    vars: ['PLUGIN_ENDPOINT'],
    map: (v) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(v.trim()) ? v.trim() : `https://${v.trim()}`),
  },
  [Inputs.S3ForcePathStyle]: { vars: ['PLUGIN_PATH_STYLE'], map: goBool },
  [Inputs.S3Sse]: { vars: ['PLUGIN_ENCRYPTION'] },
  [Inputs.AwsAccessKeyId]: { vars: ['PLUGIN_ACCESS_KEY'] },
  [Inputs.AwsSecretAccessKey]: { vars: ['PLUGIN_SECRET_KEY'] },
  [Inputs.AzureAccountName]: { vars: ['PLUGIN_ACCOUNT_NAME'] },
  [Inputs.AzureAccountKey]: { vars: ['PLUGIN_ACCOUNT_KEY'] },
  // PLUGIN_CONTAINER is drone-cache's; Harness's docs call the setting blob_container_name.
  [Inputs.AzureContainer]: { vars: ['PLUGIN_CONTAINER', 'PLUGIN_BLOB_CONTAINER_NAME'] },
  [Inputs.AzureEndpoint]: { vars: ['AZURE_BLOB_STORAGE_URL'], map: azureStorageUrl },
  // Not a plugin setting: the Azure SDKs' and CLI's usual variable.
  [Inputs.AzureConnectionString]: { vars: ['AZURE_STORAGE_CONNECTION_STRING'] },
};

/** drone-cache's filesystem backend defaults its root to /tmp/cache (a mounted volume). */
const DRONE_FS_ROOT = '/tmp/cache';

/**
 * Settings a plugin step may carry that we cannot honour; ignoring them silently could change
 * what the step does, so they are named in a warning. Harness's own bookkeeping variables
 * (PLUGIN_STEP_ID, PLUGIN_ACL=private, PLUGIN_CACHE_INTEL_METRICS_FILE...) are not listed.
 */
const UNSUPPORTED_PLUGIN_SETTINGS: Record<string, string> = {
  PLUGIN_ASSUME_ROLE:
    'role assumption is not built in; give the step credentials through the AWS SDK chain (AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE, or a profile)',
  PLUGIN_ASSUME_ROLE_ARN:
    'role assumption is not built in; give the step credentials through the AWS SDK chain (AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE, or a profile)',
  PLUGIN_OIDC_TOKEN_ID:
    'OIDC token exchange is not built in; use the AWS SDK chain (AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE)',
  PLUGIN_STS_ENDPOINT: 'role assumption is not built in',
  PLUGIN_S3_BUCKET_PUBLIC: 'anonymous access is not supported',
  PLUGIN_JSON_KEY: 'the gcs backend is not supported',
  PLUGIN_API_KEY: 'the gcs backend is not supported',
  PLUGIN_SKIP_SYMLINKS: 'symbolic links are always stored as links',
};

/** Warnings for set plugin settings this tool ignores. */
export function unsupportedPluginSettings(env: Env): string[] {
  return Object.entries(UNSUPPORTED_PLUGIN_SETTINGS)
    .filter(([name]) => {
      const v = env[name]?.trim();
      if (!v) return false;
      // Switches only matter when on.
      if (name === 'PLUGIN_SKIP_SYMLINKS' || name === 'PLUGIN_S3_BUCKET_PUBLIC') {
        return goBool(v) === 'true';
      }
      return true;
    })
    .map(([name, why]) => `${name} is ignored: ${why}.`);
}

/**
 * A Harness/Drone plugin step runs the image with no arguments: `restore: true` or
 * `rebuild: true` picks the command, as drone-cache does.
 */
export function pluginCommand(env: Env): Command | undefined {
  const restore = goBool(env.PLUGIN_RESTORE ?? '') === 'true';
  const rebuild = goBool(env.PLUGIN_REBUILD ?? '') === 'true';
  if (restore && rebuild) {
    throw new UsageError(
      'PLUGIN_RESTORE and PLUGIN_REBUILD are both true; set only one (restore: true or rebuild: true)',
    );
  }
  return restore ? 'restore' : rebuild ? 'save' : undefined;
}

/** Every name `name` can be given by, for error messages: "--s3-bucket, BUCKET_CACHE_S3_BUCKET or PLUGIN_BUCKET". */
export function describeInput(name: string): string {
  const names = [`--${name}`, envName(name), ...(PluginSettings[name as Inputs]?.vars ?? [])];
  return names.length === 2
    ? names.join(' or ')
    : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

export interface SourceOptions {
  /**
   * The command came from PLUGIN_RESTORE/PLUGIN_REBUILD: apply drone-cache's defaults where they
   * differ from ours. drone-cache replaces a key's cache on every rebuild (`override` defaults to
   * true), so a plugin step with a fixed key keeps refreshing its cache.
   */
  pluginMode?: boolean;
}

export function createCliSource(
  flags: Partial<Record<Inputs, string>>,
  env: Env,
  opts: SourceOptions = {},
): CliSource {
  const resolve = (name: Inputs): { value: string; origin?: string } => {
    const flag = flags[name];
    if (flag !== undefined) return { value: flag, origin: `--${name}` };
    const own = env[envName(name)];
    if (own) {
      const value =
        name === Inputs.Path
          ? splitLines(own).join('\n')
          : name === Inputs.RestoreKeys
            ? splitKeys(own).join('\n')
            : own;
      return { value, origin: envName(name) };
    }
    const plugin = PluginSettings[name];
    for (const variable of plugin?.vars ?? []) {
      const v = env[variable];
      if (v && v.trim()) {
        const value = plugin!.map ? plugin!.map(v, env, variable) : v;
        if (value) return { value, origin: variable };
      }
    }
    if (name === Inputs.FsRoot && env.PLUGIN_BACKEND?.trim().toLowerCase() === 'filesystem') {
      return { value: DRONE_FS_ROOT, origin: 'PLUGIN_BACKEND=filesystem (drone-cache default)' };
    }
    if (name === Inputs.Overwrite && opts.pluginMode) {
      return { value: 'true', origin: 'the drone-cache default for override' };
    }
    return { value: '' };
  };
  return {
    get: (name) => resolve(name).value,
    origin: (name) => resolve(name).origin,
    secrets: () => {
      const out: string[] = [];
      for (const name of SecretInputs) {
        const v = resolve(name).value.trim();
        if (v) out.push(...secretParts(v));
      }
      return out;
    },
  };
}

/** The CLI-only settings: flag, else BUCKET_CACHE_<NAME>, else the plugin variable named here. */
export function cliSetting(
  flag: string | undefined,
  env: Env,
  name: string,
  pluginVar?: string,
): string | undefined {
  if (flag !== undefined && flag !== '') return flag;
  const own = env[envName(name)]?.trim();
  if (own) return own;
  const plugin = pluginVar ? env[pluginVar]?.trim() : undefined;
  return plugin || undefined;
}

/** A CLI-only switch from the environment: true/false (plugin variables also take Go's 1/0/t/f). */
export function cliSwitch(
  flag: boolean | undefined,
  env: Env,
  name: string,
  pluginVar?: string,
): boolean {
  if (flag !== undefined) return flag;
  for (const variable of [envName(name), pluginVar]) {
    if (!variable) continue;
    const raw = env[variable]?.trim();
    if (!raw) continue;
    const v = variable === pluginVar ? goBool(raw) : raw.toLowerCase();
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw new UsageError(`${variable} must be true or false; got ${JSON.stringify(raw)}`);
  }
  return false;
}
