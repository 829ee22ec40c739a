/**
 * A secret and the secrets inside it, for the action's masks and the CLI's alike. Masking
 * replaces exact strings, so a connection string's AccountKey or a SAS signature quoted on its own
 * (or URL-encoded in an error) must be masked too.
 */
export function secretParts(value: string): string[] {
  const parts = new Set([value]);
  for (const m of value.matchAll(/(?:AccountKey|SharedAccessSignature|sig)=([^;&\s]+)/gi)) {
    const inner = m[1]!;
    parts.add(inner);
    try {
      parts.add(decodeURIComponent(inner));
    } catch {
      // not URL-encoded
    }
    parts.add(encodeURIComponent(inner));
  }
  return [...parts].filter((p) => p.length >= 4);
}
