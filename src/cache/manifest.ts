import type { CompressionMethod } from '../archive/archiver.js';

/**
 * The small JSON document at a key's name that points at the archive. Written last, so its
 * presence is the commit point; its sha256 and size are checked before anything is extracted.
 */
export interface EntryManifest {
  v: 1;
  key: string;
  version: string;
  /** Object name of the archive. */
  archive: string;
  size: number;
  sha256: string;
  compression: CompressionMethod;
  createdAt: string;
  /**
   * The path lines as written (relative to the workspace, `~` for home, or absolute), so that
   * `restore --key K` without paths restores what was saved, each runner into its own workspace.
   */
  paths: string[];
  /**
   * The paths the patterns matched at save, as member names are stored (workspace-relative,
   * `../` outside it). For glob patterns, restore lets members land only below these. Absent in
   * entries saved before it was recorded, or when there were too many to record.
   */
  roots?: string[];
  /**
   * `paths` with absolute lines inside the workspace made relative to it (portable-paths.ts):
   * what a restore by key uses, so it lands in its own workspace. Absent when equal to `paths`.
   */
  portablePaths?: string[];
  /** Bytes of the uncompressed tar stream: a restore stops once the stream runs past it. */
  tarSize?: number;
  writer: {
    tool: string;
    ci: string;
    repository: string;
    ref: string;
    sha?: string;
    runUrl?: string;
  };
}

/** Manifests are read from storage anyone with write access could alter: keep them small. */
export const MaxManifestBytes = 256 * 1024;
/** Most path lines and matched roots a manifest may hold, and the longest one. */
export const MaxManifestPaths = 1024;
export const MaxRecordedRoots = 2048;
export const MaxRecordedPathLength = 4096;
/** What a save spends on roots at most, so the manifest stays far below MaxManifestBytes. */
export const RecordedRootsBytes = 128 * 1024;

/** Parses untrusted manifest bytes, refusing anything malformed rather than guessing. */
export function parseManifest(
  bytes: Buffer,
  expected: { version: string; archiveFolder: string },
): EntryManifest {
  if (bytes.length > MaxManifestBytes)
    throw new Error(`manifest is ${bytes.length} bytes, larger than ${MaxManifestBytes}`);
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Error('manifest is not valid JSON');
  }
  const m = raw as Partial<EntryManifest>;
  const problems: string[] = [];
  if (!m || typeof m !== 'object') throw new Error('manifest is not an object');
  if (m.v !== 1) problems.push(`unsupported manifest version ${String(m.v)}`);
  if (typeof m.key !== 'string') problems.push('key');
  if (m.version !== expected.version) problems.push('version does not match');
  if (
    typeof m.archive !== 'string' ||
    !m.archive.startsWith(expected.archiveFolder) ||
    m.archive.slice(expected.archiveFolder.length).includes('/')
  ) {
    // A manifest may only point at an archive beside it, never into another repository or scope.
    problems.push('archive is outside its entry folder');
  }
  if (!Number.isSafeInteger(m.size) || (m.size ?? -1) < 0) problems.push('size');
  if (typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256)) problems.push('sha256');
  if (!['zstd', 'gzip', 'none'].includes(m.compression as string)) problems.push('compression');
  if (typeof m.createdAt !== 'string' || Number.isNaN(Date.parse(m.createdAt)))
    problems.push('createdAt');
  if (!isPathList(m.paths, MaxManifestPaths)) problems.push('paths');
  if (m.roots !== undefined && !isPathList(m.roots, MaxRecordedRoots)) problems.push('roots');
  if (
    m.portablePaths !== undefined &&
    (!isPathList(m.portablePaths, MaxManifestPaths) || m.portablePaths.length !== m.paths?.length)
  )
    problems.push('portablePaths');
  if (m.tarSize !== undefined && (!Number.isSafeInteger(m.tarSize) || m.tarSize < 0))
    problems.push('tarSize');
  if (!m.writer || typeof m.writer !== 'object') problems.push('writer');
  if (problems.length) throw new Error(`invalid manifest: ${problems.join(', ')}`);
  return m as EntryManifest;
}

/** A bounded list of bounded strings without NUL: what tar and the path code can take. */
function isPathList(v: unknown, max: number): v is string[] {
  return (
    Array.isArray(v) &&
    v.length <= max &&
    v.every((p) => typeof p === 'string' && p.length <= MaxRecordedPathLength && !p.includes('\0'))
  );
}
