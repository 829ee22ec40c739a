import type { Readable, Writable } from 'node:stream';

/** How an archive's tar stream is compressed. 'auto' is resolved to one of these before use. */
export type CompressionMethod = 'zstd' | 'gzip' | 'none';

export interface CreateOptions {
  /** Directory the member names are relative to (GITHUB_WORKSPACE). */
  workspace: string;
  /**
   * Member paths as actions/cache stores them: relative to `workspace`, '/'-separated, paths
   * outside the workspace as `../`-relative names. Written to a manifest file for `tar -T`; tar
   * recurses into directories.
   */
  files: string[];
  /**
   * Names stored as they are, without recursing (tar --no-recursion): the contents of
   * directories that an exclusion reaches into, already filtered (paths.ts resolveArchiveList).
   */
  exactFiles?: string[];
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

/**
 * An archive being received: write its bytes (as stored, compressed) to `input` and end it. They
 * go to the file and, as they pass, every member is checked (nothing is extracted yet).
 */
export interface ArchiveReceiver {
  /** The archive's bytes in order. Destroy it to abandon the download; that stops the scan. */
  readonly input: Writable;
  /**
   * Resolves once `input` has ended, every byte is in the file and every member passed the
   * policy. Rejects with UnsafeArchiveError as soon as a member is refused (and destroys `input`,
   * so a pipeline feeding it stops), or with whatever error ended `input`. Settles only after any
   * process the scan started has exited.
   */
  readonly checked: Promise<CheckedArchive>;
}

/**
 * Proof that the archive in `file` passed the member scan. Only the archiver whose `receive`
 * issued it accepts it, once, and only while the file is unchanged: there is no way to extract
 * bytes that were not checked.
 */
export interface CheckedArchive {
  readonly file: string;
  /** Bytes in the file. */
  readonly size: number;
}

export interface Archiver {
  /**
   * Pack `files` into a compressed tar stream (system tar, piped through zstd or gzip). The
   * stream emits 'error' if tar or the compressor exits non-zero.
   */
  create(opts: CreateOptions): Readable;
  /**
   * Store an archive that is being downloaded in `file` (created or truncated), checking every
   * member against `opts.allowedRoots` while it arrives.
   */
  receive(file: string, opts: ExtractOptions): ArchiveReceiver;
  /**
   * Extract an archive that `receive` checked, with system tar. Existing symlinks on the way to
   * each member are vetted first (UnsafeArchiveError, writing nothing). The caller must have
   * verified the archive's integrity (size, sha256) before calling this.
   */
  extract(archive: CheckedArchive): Promise<void>;
}
