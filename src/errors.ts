/** Bad configuration or input: fails the step (restore) and is annotated with the input name. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    message: string,
    /** The action input (or CLI flag) at fault, named in the annotation. */
    readonly input?: string,
  ) {
    super(message);
  }
}

/** A backend `get` of a name that does not exist. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(readonly objectName: string) {
    super(`object not found: ${objectName}`);
  }
}

/** `put(..., { ifAbsent: true })` found the name already taken: another writer won. */
export class AlreadyExistsError extends Error {
  override readonly name = 'AlreadyExistsError';
  constructor(readonly objectName: string) {
    super(`object already exists: ${objectName}`);
  }
}

/**
 * A storage failure that a person can act on: wrong credentials, missing bucket or container,
 * wrong region, TLS trouble. `hint` says what to change; the run layer prints both.
 */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An archive that failed verification or would write outside the declared paths. */
export class UnsafeArchiveError extends Error {
  override readonly name: string = 'UnsafeArchiveError';
}

/**
 * The primary key's own entry in the scope this run saves to was refused (corrupt, tampered,
 * truncated, archive missing): `manifestName` and `etag` let the next save replace exactly it.
 */
export class UnusableEntryError extends UnsafeArchiveError {
  override readonly name = 'UnusableEntryError';
  constructor(
    readonly entry: { manifestName: string; etag: string },
    cause: Error,
  ) {
    super(cause.message, { cause });
  }
}

/** A transfer that made no progress for too long or ran past its deadline. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
