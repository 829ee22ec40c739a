/**
 * Names Linux and macOS store happily but Windows cannot create. An entry saved elsewhere (and
 * found on Windows through enableCrossOsArchive) holding one is refused before anything is
 * written, rather than half-extracted by a tar that fails, or writes `aux.h` to the AUX device,
 * or silently drops a trailing dot and merges two members into one file.
 */

/** Characters Win32 refuses in a name, and the control characters. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[<>:"|?*\u0000-\u001f]/;

/** Device names, reserved with any extension (`nul.txt`, `COM1.tar.gz`) and in any case. */
const RESERVED = /^(?:CON|PRN|AUX|NUL|COM[0-9\u00b9\u00b2\u00b3]|LPT[0-9\u00b9\u00b2\u00b3])$/i;

/** Why Windows cannot create `name` (a member name, '/'-separated), or undefined when it can. */
export function windowsNameProblem(name: string): string | undefined {
  for (const segment of name.split(/[\\/]+/)) {
    if (segment === '' || segment === '.' || segment === '..') continue;
    const bad = FORBIDDEN.exec(segment);
    if (bad) {
      const shown =
        bad[0] < ' ' ? `control character 0x${bad[0].charCodeAt(0).toString(16)}` : `'${bad[0]}'`;
      return `'${segment}' holds ${shown}`;
    }
    const stem = segment.split('.')[0]!.trimEnd();
    if (RESERVED.test(stem))
      return `'${segment}' is the reserved device name ${stem.toUpperCase()}`;
    if (/[. ]$/.test(segment))
      return `'${segment}' ends in a ${segment.endsWith('.') ? 'dot' : 'space'}`;
  }
  return undefined;
}
