import { readFile, realpath } from 'node:fs/promises';
import * as path from 'node:path';

import { isInside } from './member-policy.js';

/**
 * Whether rename(2) can move entries from directory `a` to directory `b`: the same filesystem
 * (st_dev) is not enough, because two bind mounts of one filesystem (a container job's
 * /github/home and /__w/_temp) share a device and still refuse with EXDEV. On Linux the mount
 * each path lives on decides; elsewhere the device numbers do.
 */
export async function sameMount(
  a: string,
  b: string,
  devA: number,
  devB: number,
): Promise<boolean> {
  if (devA !== devB) return false;
  const points = await mountPoints();
  if (!points) return true;
  const [ra, rb] = await Promise.all([realpath(a), realpath(b)]);
  return mountOf(ra, points) === mountOf(rb, points);
}

let cached: Promise<string[] | undefined> | undefined;

/** Mount points from /proc/self/mountinfo (field 5), or undefined where there is none. */
function mountPoints(): Promise<string[] | undefined> {
  cached ??= readFile('/proc/self/mountinfo', 'utf8').then(
    (text) =>
      text
        .split('\n')
        .map((line) => line.split(' ')[4])
        .filter((p): p is string => !!p)
        // mountinfo escapes space, tab, newline and backslash as octal.
        .map((p) =>
          p.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))),
        ),
    () => undefined,
  );
  return cached;
}

function mountOf(p: string, points: readonly string[]): string {
  let best = path.parse(p).root;
  for (const m of points) if (m.length > best.length && isInside(m, p)) best = m;
  return best;
}
