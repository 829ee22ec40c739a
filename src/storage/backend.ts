import type { Readable } from 'node:stream';

/** One stored object as a listing or stat reports it. */
export interface ObjectInfo {
  name: string;
  size: number;
  lastModified: Date;
}

export interface GetOptions {
  signal?: AbortSignal;
  /** The size the caller expects, when known: lets a backend plan ranged reads without a stat. */
  size?: number;
}

export interface PutOptions {
  signal?: AbortSignal;
  /** Byte length of `body` when known in advance (used to size parts). */
  size?: number;
  /**
   * Create only: if `name` already exists the put fails with AlreadyExistsError and the existing
   * object is left as it was. Maps to S3 `If-None-Match: *`, Azure `ifNoneMatch: "*"`, and an
   * exclusive link on the filesystem, so two racing writers cannot both win.
   */
  ifAbsent?: boolean;
}

/**
 * A write that was begun and never committed: an S3 multipart upload that was neither completed
 * nor aborted, an Azure blob holding only uncommitted blocks, an fs temp file. Invisible to stat,
 * list and get, but it may still be billed.
 */
export interface IncompleteUpload {
  /** The object name it would have committed, when the store records one (fs temp files do not). */
  name?: string;
  /** What abortIncompleteUpload needs besides the name: an S3 upload id, a temp file's name. */
  id: string;
  /** When the write began, by the store's clock. */
  started: Date;
}

/**
 * A dumb store of named bytes. Backends know nothing of cache keys, versions or compression;
 * `cache/` maps keys to names. Names are opaque UTF-8 strings that may contain `/`; prefix
 * matching is byte-wise and case-sensitive. Errors other than not-found are thrown, preferably as
 * StorageError with a hint; nothing here logs and swallows.
 */
export interface Backend {
  /** For logs only, e.g. "s3://bucket", "azure://account/container", "file:///mnt/cache". */
  readonly description: string;
  /** Metadata for exactly `name`, or undefined if absent. Not-found never throws. */
  stat(name: string): Promise<ObjectInfo | undefined>;
  /** Every object whose name starts with `prefix`; paging is internal; order unspecified. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** The object's bytes. Throws NotFoundError if absent. The caller consumes or destroys it. */
  get(name: string, opts?: GetOptions): Promise<Readable>;
  /**
   * Store `body` under `name`, replacing any existing object unless `ifAbsent`. Resolves only
   * once the object is committed and visible to stat and list. A failed or aborted put leaves
   * nothing visible and no billable leftovers (aborted multipart uploads, uncommitted blocks).
   */
  put(name: string, body: Readable, opts?: PutOptions): Promise<void>;
  /** Remove `name`; removing an absent name is not an error. */
  delete(name: string): Promise<void>;
  /**
   * Writes begun under `prefix` and never committed; paging is internal. A store whose leftovers
   * name no target (the fs backend's temp files, shared by its whole root) reports all of them.
   */
  listIncompleteUploads(prefix: string): Promise<IncompleteUpload[]>;
  /**
   * Discard one incomplete upload and the bytes it holds. One that is gone already is not an
   * error; one that was committed meanwhile is left as it is.
   */
  abortIncompleteUpload(upload: IncompleteUpload): Promise<void>;
  /** Release sockets and handles so the process can exit promptly. */
  close(): Promise<void>;
}
