/**
 * Pure argv builders for system tar. Compression is not tar's job here: tar reads or writes the
 * plain tar stream on stdio and the archiver pipes it through zstd or gzip, so every process
 * has its own exit code and stderr.
 */

import * as path from 'node:path';

/**
 * Prefix of the private directories a restore stages into (staging.ts); never part of a cached
 * tree, so every archive is created without them.
 */
export const STAGING_PREFIX = '.bucket-cache-staging-';

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

/**
 * Programs to try, best first, as actions/cache chooses: on macOS GNU tar (`gtar`, Homebrew)
 * when present, else the system's bsdtar; on Windows Git for Windows' GNU tar, else a `tar` on
 * PATH that is GNU tar, else the system's bsdtar (System32), else whatever `tar` is on PATH.
 * `env` gives Windows' ProgramFiles and SystemDrive.
 */
export function tarCandidates(
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  switch (platform) {
    case 'darwin':
      return ['gtar', 'tar'];
    case 'win32': {
      const programFiles = env.ProgramFiles ?? env.PROGRAMFILES ?? 'C:\\Program Files';
      const systemDrive = env.SystemDrive ?? env.SYSTEMDRIVE ?? 'C:';
      return [
        path.win32.join(programFiles, 'Git', 'usr', 'bin', 'tar.exe'),
        'tar',
        path.win32.join(systemDrive, '\\', 'Windows', 'System32', 'tar.exe'),
      ];
    }
    default:
      return ['tar'];
  }
}

/**
 * Whether a working candidate is taken at once. On Windows a `tar` found on PATH is taken only
 * when it is GNU tar (the system's bsdtar comes next by its full path); one that is not is kept
 * as the last resort.
 */
export function takesTarAtOnce(
  platform: NodeJS.Platform,
  candidate: string,
  flavor: TarFlavor,
): boolean {
  return platform !== 'win32' || candidate !== 'tar' || flavor === 'gnu';
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
    // A restore killed outright (SIGKILL) can leave its staging directory inside a declared
    // path; it must never become part of the next entry. Before -T: GNU tar's --exclude only
    // applies to names read after it.
    `--exclude=${STAGING_PREFIX}*`,
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
 * the staging directories the gate chose, hence -P (for bsdtar it also switches off its own
 * `..` and symlink checks, which the gate has already made); nothing in that stream came from
 * the stored archive's headers. --no-same-owner: owners are never restored, also when running as
 * root (both tars restore them as root by default). Modes are each tar's default, alike for both:
 * umask applies unless running as root; the stream carries no ACLs, xattrs or flags for bsdtar
 * to restore. GNU tar sets a directory's time when it meets a member outside it, so an archive
 * that lists a directory's files after other directories (bsdtar writes them so) would leave it
 * with the time of extraction; --delay-directory-restore sets them all at the end, as bsdtar does.
 */
export function buildExtractArgs(flavor: TarFlavor = 'gnu'): string[] {
  const args = ['-x', '-f', '-', '-P', '--no-same-owner'];
  return flavor === 'gnu' ? [...args, '--delay-directory-restore'] : args;
}
