/**
 * An entry a restore found unusable (corrupt, truncated, its archive missing). Its manifest
 * exists, so every later save of the key would skip; instead the next save replaces it, but only
 * while the manifest is still the very one the restore saw (its etag), so a good entry that a
 * concurrent job committed meanwhile is never overwritten. The combined action carries this from
 * the main step to the post step in its state.
 */
export interface UnusableEntry {
  /** Object name of the bad manifest: the primary key's, in the scope this run saves to. */
  manifestName: string;
  /** Its etag as stat or the listing reported it when the restore read it. */
  etag: string;
}

/** What a restore result carries when it refused the primary key's own entry. */
export interface UnusableReport {
  unusable?: UnusableEntry;
}

/** The record for a refused entry, or undefined when the store gave no etag to make it safe. */
export function unusableEntry(
  manifestName: string,
  etag: string | undefined,
): UnusableEntry | undefined {
  return etag ? { manifestName, etag } : undefined;
}

/** Parses one from untrusted state; undefined for anything malformed. */
export function parseUnusable(raw: unknown): UnusableEntry | undefined {
  const u = raw as Partial<UnusableEntry> | null;
  if (!u || typeof u !== 'object') return undefined;
  const ok = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 2048;
  return ok(u.manifestName) && ok(u.etag)
    ? { manifestName: u.manifestName, etag: u.etag }
    : undefined;
}
