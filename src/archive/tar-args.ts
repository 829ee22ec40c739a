/**
 * Pure argv builders for system tar. Compression is not tar's job here: tar reads or writes the
 * plain tar stream on stdio and the archiver pipes it through zstd or gzip, so every process
 * has its own exit code and stderr.
 */

/** GNU tar, or bsdtar (libarchive: macOS's and Windows' default tar). */
export type TarFlavor = 'gnu' | 'bsd';

export interface TarCommand {
  /** Program name or path to spawn. */
  path: string;
  flavor: TarFlavor;
}

export interface TarCreateArgs {
  flavor: TarFlavor;
  platform: NodeJS.Platform;
  /** Directory member names are relative to. */
  workspace: string;
  /** Absolute path of the NUL-separated file list. */
  manifest: string;
  /** Absolute path of a second list whose names are stored without recursing into them. */
  exactManifest?: string;
}

/** Programs to try, best first: on macOS GNU tar (`gtar`, Homebrew) when present, as actions/cache. */
export function tarCandidates(platform: NodeJS.Platform): string[] {
  return platform === 'darwin' ? ['gtar', 'tar'] : ['tar'];
}

/** Which flavor a `tar --version` banner belongs to. */
export function tarFlavorOf(versionOutput: string): TarFlavor {
  return /GNU tar/.test(versionOutput) ? 'gnu' : 'bsd';
}

// GNU tar on Windows (Git's msys build) wants forward slashes in paths it is given.
function nativePath(p: string, platform: NodeJS.Platform): string {
  return platform === 'win32' ? p.replace(/\\/g, '/') : p;
}

/**
 * `tar -c` writing to stdout. -P keeps `../`-relative names for paths outside the workspace (as
 * actions/cache stores them); --null makes the file list NUL-separated and read verbatim, so
 * names with newlines, backslashes or a leading dash are taken literally; -C comes before -T
 * because the list is resolved against it. An exact list comes after `--no-recursion`; bsdtar's
 * `-n` is global, so for bsdtar the caller lists every name in the exact list.
 */
export function buildCreateArgs(o: TarCreateArgs): string[] {
  return [
    o.flavor === 'gnu' ? '--posix' : '--format=posix',
    // GNU tar then reports the stream's length on stderr, recorded as the bound restore enforces.
    ...(o.flavor === 'gnu' ? ['--totals'] : []),
    '-c',
    '-f',
    '-',
    '-P',
    '-C',
    nativePath(o.workspace, o.platform),
    '--null',
    '-T',
    nativePath(o.manifest, o.platform),
    // Position-sensitive in GNU tar: only the names read after it are not recursed into.
    ...(o.exactManifest
      ? [
          o.flavor === 'gnu' ? '--no-recursion' : '-n',
          '-T',
          nativePath(o.exactManifest, o.platform),
        ]
      : []),
  ];
}

/**
 * `tar -x` reading the gate's canonical stream from stdin. Member names are absolute paths in
 * the staging directories the gate chose, hence -P; nothing in that stream came from the stored
 * archive's headers. --no-same-owner: owners are never restored, also when running as root.
 * Modes are tar's default: umask applies unless running as root.
 */
export function buildExtractArgs(): string[] {
  return ['-x', '-f', '-', '-P', '--no-same-owner'];
}
