/** Azure's rule for container names: 3 to 63 of a-z, 0-9 and single inner hyphens. */
const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9]+(?:-[a-z0-9]+)*$/;

export interface PluginContainer {
  container: string;
  /** The cache key with the container segment taken off, or the whole key. */
  key: string;
  /** Where the container name came from, for the log. */
  from: 'cache_key' | 'repository';
}

/**
 * drone-cache's Azure plugin step as Harness documents it names no container: the first segment
 * of `cache_key` is the container ("<container>/<pipeline>/<branch>-<checksum>") and the rest is
 * the key. A key without such a segment falls back to the repository's name, which is what
 * drone-cache uses, lower-cased because Azure only allows lower case. Undefined when neither
 * is a valid container name.
 */
export function containerFromPluginKey(key: string, repo: string): PluginContainer | undefined {
  const cut = key.indexOf('/');
  const first = key.slice(0, cut);
  const rest = key.slice(cut + 1);
  if (cut > 0 && rest && CONTAINER_NAME.test(first)) {
    return { container: first, key: rest, from: 'cache_key' };
  }
  const fallback = repo.toLowerCase();
  return CONTAINER_NAME.test(fallback)
    ? { container: fallback, key, from: 'repository' }
    : undefined;
}
