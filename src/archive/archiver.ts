import type { Readable, Writable } from 'node:stream';

import type { SpaceMargin } from './disk-space.js';

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
  /** Told the uncompressed tar stream's length when tar reports it (GNU tar), before the end. */
  onTarBytes?: (bytes: number) => void;
}

export interface ExtractOptions {
  /** Directory member names are resolved against; must match the one used at create time. */
  workspace: string;
  method: CompressionMethod;
  /**
   * Absolute paths members may land in (the literal bases of the declared paths). A member, or
   * a hard link's target, that resolves anywhere else makes the whole archive refused.
   */
  allowedRoots: string[];
  /**
   * Narrower roots members must land in (the matched roots of glob patterns), each inside an
   * allowed root; default `allowedRoots`. Staging is still made for `allowedRoots`.
   */
  memberRoots?: string[];
  /** The tar stream's length as recorded at save: a longer stream is refused as a bomb. */
  maxTarBytes?: number;
  /** Free space to leave at the staging locations; default DefaultSpaceMargin. */
  spaceMargin?: SpaceMargin;
  /** The run's private temp directory: staging goes there when it is on the same filesystem. */
  scratchDir?: string;
  /** Aborts the extraction (stall timeout, deadline, SIGTERM). */
  signal?: AbortSignal;
}

/**
 * One restore in progress: the archive's bytes go in, are checked member by member and
 * extracted into private staging directories beside (or inside) the declared paths, and reach
 * the declared paths only through `commit`.
 */
export interface Extraction {
  /**
   * The archive's bytes as stored (compressed), in order; end it after the last one. It is
   * destroyed with the reason when the extraction fails (a refused member), so a pipeline
   * feeding it stops; destroying it (a failed download) stops the extraction.
   */
  readonly input: Writable;
  /**
   * Resolves once the input has ended, every member passed the gate and tar has extracted them
   * all into staging; nothing is in the declared paths yet. Rejects with UnsafeArchiveError for
   * a refused member or a corrupt stream. Settles only after every process it started exited.
   */
  readonly staged: Promise<{ members: number; bytes: number }>;
  /**
   * Moves the staged trees into the declared paths. Call only after `staged` resolved and the
   * archive's size and sha256 matched its manifest.
   */
  commit(): Promise<void>;
  /**
   * Stops whatever still runs and removes the staging, leaving the declared paths as they
   * were; a no-op after a commit. Always call it, in `finally`.
   */
  discard(): Promise<void>;
}

export interface Archiver {
  /**
   * Pack `files` into a compressed tar stream (system tar, piped through zstd or gzip). The
   * stream emits 'error' if tar or the compressor exits non-zero.
   */
  create(opts: CreateOptions): Readable;
  /** Start restoring an archive whose bytes will be written to the returned `input`. */
  extract(opts: ExtractOptions): Extraction;
}
