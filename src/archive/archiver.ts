import type { Readable } from 'node:stream';

/** How an archive's tar stream is compressed. 'auto' is resolved to one of these before use. */
export type CompressionMethod = 'zstd' | 'gzip' | 'none';

export interface CreateOptions {
  /** Directory the member names are relative to (GITHUB_WORKSPACE). */
  workspace: string;
  /**
   * Member paths as actions/cache stores them: relative to `workspace`, '/'-separated, paths
   * outside the workspace as `../`-relative names. Written to a manifest file for `tar -T`.
   */
  files: string[];
  method: CompressionMethod;
  /** Compressor level; undefined means the default (zstd 3, gzip 6). */
  level?: number;
  /** Scratch directory for the file list; removed by the caller. */
  tempDir: string;
}

export interface ExtractOptions {
  /** Directory member names are resolved against; must match the one used at create time. */
  workspace: string;
  method: CompressionMethod;
  /**
   * Absolute directories an entry may land in (the literal bases of the declared paths). Every
   * member, hard-link target, and every parent a member is written through must resolve inside
   * one of them, or the archive is refused before anything is written.
   */
  allowedRoots: string[];
}

export interface Archiver {
  /**
   * Pack `files` into a compressed tar stream (system tar, piped through zstd or gzip). The
   * stream emits 'error' if tar or the compressor exits non-zero.
   */
  create(opts: CreateOptions): Readable;
  /**
   * Validate every member of the archive at `file` against `allowedRoots` (throws
   * UnsafeArchiveError, writing nothing), then extract it with system tar.
   */
  extract(file: string, opts: ExtractOptions): Promise<void>;
}
