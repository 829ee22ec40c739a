import { Inputs } from '../constants.js';
import { parseSize } from '../inputs.js';
import { durationMs } from '../util/duration.js';

export const Commands = ['save', 'restore', 'list', 'delete', 'prune'] as const;
export type Command = (typeof Commands)[number];

/** A mistake in the command line itself: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The parsed command line. Nothing here is validated beyond its syntax: parseSettings does that. */
export interface CliArgs {
  /** Undefined when no command was given (a Harness/Drone plugin step chooses one from env). */
  command?: Command;
  /** Action inputs given as flags, as the raw text parseSettings reads (lists joined by '\n'). */
  inputs: Partial<Record<Inputs, string>>;
  /** list and prune: a key prefix; delete: an exact key. (save/restore: Inputs.Key instead.) */
  key?: string;
  repository?: string;
  /** save/restore: this run's ref; list/delete/prune: only entries of this ref ("repository" too). */
  ref?: string;
  baseRef?: string;
  defaultBranch?: string;
  workspace?: string;
  /** CloudBees-style comma-separated Ant patterns, added to the path list (ant-patterns.ts). */
  includes?: string;
  excludes?: string;
  json: boolean;
  /** Undefined when not given: BUCKET_CACHE_STRICT / PLUGIN_EXIT_CODE may decide. */
  strict?: boolean;
  /** Undefined when not given: BUCKET_CACHE_DEBUG / PLUGIN_DEBUG may decide. */
  debug?: boolean;
  help: boolean;
  version: boolean;
  dryRun: boolean;
  all: boolean;
  olderThanMs?: number;
  keep?: number;
  maxSizeBytes?: number;
  /** prune: entries not restored for this long. */
  unusedForMs?: number;
  /** prune: every repository under the prefix instead of one. */
  allRepositories: boolean;
  /** prune: leftovers younger than this are left alone. */
  graceMs?: number;
}

type Kind = 'string' | 'boolean' | 'lines' | 'keys';
const ALL: readonly Command[] = Commands;
const CACHE: readonly Command[] = ['save', 'restore'];
const MANAGE: readonly Command[] = ['list', 'delete', 'prune'];

interface Spec {
  kind: Kind;
  /** Commands that accept the flag. */
  commands: readonly Command[];
  input?: Inputs;
}

const BOOLEAN_INPUTS = new Set<Inputs>([
  Inputs.FailOnCacheMiss,
  Inputs.FailOnError,
  Inputs.LookupOnly,
  Inputs.EnableCrossOsArchive,
  Inputs.Save,
  Inputs.Overwrite,
  Inputs.AllowUntrustedSave,
  Inputs.S3ForcePathStyle,
]);

/** Inputs that only mean something when saving or restoring. */
const CACHE_INPUTS = new Set<Inputs>([
  Inputs.Path,
  Inputs.Key,
  Inputs.RestoreKeys,
  Inputs.FailOnCacheMiss,
  Inputs.FailOnError,
  Inputs.LookupOnly,
  Inputs.EnableCrossOsArchive,
  Inputs.Save,
  Inputs.Overwrite,
  Inputs.AllowUntrustedSave,
  Inputs.Scope,
  Inputs.Compression,
  Inputs.CompressionLevel,
]);

function inputKind(name: Inputs): Kind {
  if (name === Inputs.Path) return 'lines';
  if (name === Inputs.RestoreKeys) return 'keys';
  return BOOLEAN_INPUTS.has(name) ? 'boolean' : 'string';
}

const SPECS: ReadonlyMap<string, Spec> = new Map<string, Spec>([
  // save-always is an action input only, deprecated and ignored there: no flag for it.
  ...Object.values(Inputs)
    .filter((name) => name !== Inputs.SaveAlways)
    .map((name): [string, Spec] => [
      name,
      { kind: inputKind(name), commands: CACHE_INPUTS.has(name) ? CACHE : ALL, input: name },
    ]),
  // --key is an input for save/restore and a filter for the management commands.
  [Inputs.Key, { kind: 'string', commands: ALL, input: Inputs.Key }],
  ['repository', { kind: 'string', commands: ALL }],
  ['ref', { kind: 'string', commands: ALL }],
  ['base-ref', { kind: 'string', commands: CACHE }],
  ['default-branch', { kind: 'string', commands: CACHE }],
  ['workspace', { kind: 'string', commands: ALL }],
  ['json', { kind: 'boolean', commands: ALL }],
  ['strict', { kind: 'boolean', commands: CACHE }],
  ['includes', { kind: 'string', commands: CACHE }],
  ['excludes', { kind: 'string', commands: CACHE }],
  ['debug', { kind: 'boolean', commands: ALL }],
  ['help', { kind: 'boolean', commands: ALL }],
  ['version', { kind: 'boolean', commands: ALL }],
  ['dry-run', { kind: 'boolean', commands: ['delete', 'prune'] }],
  ['all', { kind: 'boolean', commands: ['delete'] }],
  ['older-than', { kind: 'string', commands: ['prune'] }],
  ['keep', { kind: 'string', commands: ['prune'] }],
  ['max-size', { kind: 'string', commands: ['prune'] }],
  ['unused-for', { kind: 'string', commands: ['prune'] }],
  ['all-repositories', { kind: 'boolean', commands: ['prune'] }],
  ['grace', { kind: 'string', commands: ['prune'] }],
]);

/**
 * Parses `bucket-cache <command> [flags]`. Flags are `--name value`, `--name=value`, and for
 * switches `--name`, `--name=true|false`, `--name true|false` or `--no-name`. `--path` and
 * `--restore-keys` may repeat; each occurrence adds lines.
 */
export function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = {
    inputs: {},
    json: false,
    help: false,
    version: false,
    dryRun: false,
    all: false,
    allRepositories: false,
  };
  const raw = new Map<string, string[]>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (token === '-h') {
      args.help = true;
      continue;
    }
    if (!token.startsWith('--')) {
      if (token.startsWith('-') && token.length > 1) {
        throw new UsageError(`unknown option ${token}`);
      }
      positionals.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    let name = eq === -1 ? token.slice(2) : token.slice(2, eq);
    let value: string | undefined = eq === -1 ? undefined : token.slice(eq + 1);
    let spec = SPECS.get(name);
    if (!spec && name.startsWith('no-') && SPECS.get(name.slice(3))?.kind === 'boolean') {
      if (value !== undefined) throw new UsageError(`--${name} does not take a value`);
      name = name.slice(3);
      spec = SPECS.get(name);
      value = 'false';
    }
    if (!spec) throw new UsageError(`unknown option --${name}`);
    if (value === undefined) {
      const next = argv[i + 1];
      if (spec.kind === 'boolean') {
        // A switch may be followed by an explicit true/false, as action inputs are written.
        if (next === 'true' || next === 'false') {
          value = next;
          i++;
        } else {
          value = 'true';
        }
      } else {
        if (next === undefined || next.startsWith('--')) {
          throw new UsageError(
            `--${name} needs a value (write --${name}=VALUE for a value starting with --)`,
          );
        }
        value = next;
        i++;
      }
    }
    raw.set(name, [...(raw.get(name) ?? []), value]);
  }

  if (positionals.length > 0) {
    const [first, ...rest] = positionals;
    if (first === 'help') {
      args.help = true;
    } else if ((Commands as readonly string[]).includes(first!)) {
      args.command = first as Command;
    } else {
      throw new UsageError(
        `unknown command ${JSON.stringify(first)}; expected one of ${Commands.join(', ')}`,
      );
    }
    if (rest.length > 0) {
      throw new UsageError(
        `unexpected argument ${JSON.stringify(rest[0])}; quote values that contain spaces, and give paths with --path`,
      );
    }
  }

  for (const [name, values] of raw) {
    const spec = SPECS.get(name)!;
    if (args.command && !spec.commands.includes(args.command)) {
      throw new UsageError(
        `--${name} is not an option of ${args.command}; it applies to ${spec.commands.join(', ')}`,
      );
    }
    const last = values[values.length - 1]!;
    if (spec.input === Inputs.Key && args.command && MANAGE.includes(args.command)) {
      args.key = last;
    } else if (spec.input) {
      args.inputs[spec.input] =
        spec.kind === 'lines'
          ? values.flatMap(splitLines).join('\n')
          : spec.kind === 'keys'
            ? values.flatMap(splitKeys).join('\n')
            : last;
    } else {
      applyCliFlag(args, name, last);
    }
  }
  return args;
}

/** Path lists are split on newlines only: paths may contain commas. */
export function splitLines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** Keys may not contain commas, so a comma always separates restore keys, as a newline does. */
export function splitKeys(value: string): string[] {
  return splitLines(value.replace(/,/g, '\n'));
}

function switchValue(name: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new UsageError(`--${name} must be true or false; got ${JSON.stringify(value)}`);
}

function applyCliFlag(args: CliArgs, name: string, value: string): void {
  switch (name) {
    case 'repository':
      args.repository = value;
      return;
    case 'ref':
      args.ref = value;
      return;
    case 'base-ref':
      args.baseRef = value;
      return;
    case 'default-branch':
      args.defaultBranch = value;
      return;
    case 'workspace':
      args.workspace = value;
      return;
    case 'includes':
    case 'excludes':
      args[name] = value;
      return;
    case 'json':
    case 'strict':
    case 'debug':
    case 'help':
    case 'version':
    case 'all':
      args[name] = switchValue(name, value);
      return;
    case 'dry-run':
      args.dryRun = switchValue(name, value);
      return;
    case 'older-than':
      args.olderThanMs = parseDuration(value, '--older-than');
      return;
    case 'unused-for':
      args.unusedForMs = parseDuration(value, '--unused-for');
      return;
    case 'grace':
      args.graceMs = parseDuration(value, '--grace');
      return;
    case 'all-repositories':
      args.allRepositories = switchValue(name, value);
      return;
    case 'keep': {
      const n = Number(value);
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
        throw new UsageError(
          `--keep must be a whole number of at least 1; got ${JSON.stringify(value)} (to remove every entry, use delete --all)`,
        );
      }
      args.keep = n;
      return;
    }
    case 'max-size':
      try {
        // The same units as part-size: 500MiB, 2G, 1073741824.
        args.maxSizeBytes = parseSize(value, Inputs.PartSize);
      } catch {
        throw new UsageError(
          `--max-size must be a size like 10GiB, 500M or 1073741824; got ${JSON.stringify(value)}`,
        );
      }
      return;
  }
}

/** "7d", "12h", "1d12h", "90m", "2w" → milliseconds. */
export function parseDuration(value: string, flag: string): number {
  const ms = durationMs(value);
  if (ms === undefined) {
    throw new UsageError(
      `${flag} must be a duration like 7d, 12h, 1d12h or 30m (units s, m, h, d, w); got ${JSON.stringify(value)}`,
    );
  }
  return ms;
}

export function usage(): string {
  return `Usage: bucket-cache <command> [options]

Save and restore CI caches in storage you own (S3 and S3-compatible, Azure Blob, a directory).

Commands:
  restore   Restore the newest entry for --key, else for the first --restore-keys prefix that matches
  save      Pack --path and store it under --key (entries are immutable unless --overwrite)
  list      List this repository's entries (--key PREFIX, --ref REF, --json)
  delete    Delete entries: --key KEY (in every scope, or only --ref REF) or --all; --dry-run
  prune     Evict entries: --unused-for 7d, --older-than 30d, --keep N, --max-size 10GiB (least
            recently used first); also leftovers of unfinished saves. --all-repositories, --dry-run

Cache options (save, restore); every action input is a flag of the same name:
  --path PATH              File, directory or glob to cache; repeat for more (! excludes)
  --key KEY                Primary key; may use templates such as {{ hashFiles "package-lock.json" }}
  --restore-keys PREFIX    Fallback key prefix; repeat, or separate with commas or newlines
  --fail-on-cache-miss     restore: exit 1 when nothing was found
  --lookup-only            restore: only check whether an entry exists
  --overwrite              save: replace an existing entry for the key
  --scope branch|repository, --compression auto|zstd|gzip|none, --compression-level N,
  --enableCrossOsArchive, --save false
  --strict                 Exit 1 when the store fails (default: warn and exit 0, like the action)
  --includes PATTERNS      CloudBees-style comma-separated Ant patterns to cache ('maven-repo/**')
  --excludes PATTERNS      ... and to leave out at any depth ('**/*SNAPSHOT*'); both add to --path

Storage options (every command):
  --backend s3|azure|fs, --prefix FOLDER, --fs-root DIR,
  --s3-bucket, --s3-region, --s3-endpoint URL, --s3-force-path-style, --s3-sse, --s3-sse-kms-key-id,
  --s3-checksum, --aws-access-key-id, --aws-secret-access-key, --aws-session-token,
  --azure-container, --azure-connection-string, --azure-account-name, --azure-account-key,
  --azure-sas-token, --azure-endpoint,
  --concurrency N, --part-size SIZE, --stall-timeout SECONDS, --timeout SECONDS

Prune options (rules combine; with none, only leftovers of unfinished saves are removed):
  --unused-for 14d         Entries not restored for this long (restores record use once a day)
  --older-than 90d         Entries saved longer ago than this
  --keep N                 Keep the newest N of each repository, scope and version
  --max-size 200GiB        Then evict the least recently used until the rest fit
  --all-repositories       Every repository under --prefix (default: --repository only)
  --grace 1d               Leave leftovers younger than this alone (a save may still be running)
  --dry-run                Only report what would be deleted

Run context (detected from GitHub Actions, act, Harness/Drone, GitLab CI and Jenkins):
  --repository OWNER/NAME  Repository folder in the store
  --ref REF                save/restore: this run's branch or ref; list/delete/prune: only this ref
                           ("repository" selects the repository scope)
  --base-ref REF           Pull request target branch: restore falls back to its entries
  --default-branch NAME    Restore falls back to this branch's entries last
  --workspace DIR          Directory relative paths are resolved against

Other:
  --json                   Print the result as JSON on stdout (progress goes to stderr)
  --debug                  Print debug messages
  -h, --help               Show this help
  --version                Print the version

Every option can also be set as BUCKET_CACHE_<NAME> (e.g. BUCKET_CACHE_S3_BUCKET,
BUCKET_CACHE_RESTORE_KEYS); flags win. Harness/Drone plugin settings (PLUGIN_CACHE_KEY,
PLUGIN_MOUNT, PLUGIN_BUCKET, PLUGIN_RESTORE, PLUGIN_REBUILD, ...) are read last, and choose the
command when none is given.

Exit codes: 0 success or a plain miss; 1 a miss with --fail-on-cache-miss, a storage failure with
--strict, or a failed list/delete/prune; 2 a usage or configuration error.
`;
}
