import { spawnSync } from 'node:child_process';

import { type TarCommand, tarFlavorOf } from '../../src/archive/tar-args.js';

/** A tar the integration tests run by name, with its flavor read from its own banner. */
function find(program: string): TarCommand | undefined {
  const r = spawnSync(program, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? { path: program, flavor: tarFlavorOf(r.stdout) } : undefined;
}

export interface TarUnderTest {
  label: string;
  /** Undefined when the program is not on PATH. */
  tar: TarCommand | undefined;
  /** Why its cases are skipped when it is absent. */
  missing: string;
}

export const GNU_TAR: TarUnderTest = {
  label: 'GNU tar',
  tar: ((t) => (t?.flavor === 'gnu' ? t : undefined))(find('tar')),
  missing: 'the `tar` on PATH is not GNU tar',
};

/** libarchive's bsdtar: the tar of macOS and Windows, on Debian from libarchive-tools. */
export const BSDTAR: TarUnderTest = {
  label: 'bsdtar',
  tar: ((t) => (t?.flavor === 'bsd' ? t : undefined))(find('bsdtar')),
  missing: 'bsdtar is not on PATH (Debian: apt-get install libarchive-tools)',
};

const warned = new Set<string>();

/**
 * A describe block that needs every tar in `tars`. When one is absent locally its cases are
 * skipped, with the reason in the title; under CI (which installs bsdtar in .ci/run) an absent
 * tar is a failure, so the bsdtar cases can never silently stop running there.
 */
export function describeWithTars(
  title: string,
  tars: readonly TarUnderTest[],
  fn: (...commands: TarCommand[]) => void,
): void {
  const absent = tars.filter((t) => !t.tar);
  if (!absent.length) {
    describe(title, () => fn(...tars.map((t) => t.tar!)));
    return;
  }
  const why = absent.map((t) => t.missing).join('; ');
  if (process.env.CI) {
    describe(title, () => {
      test('its tar is installed', () => {
        throw new Error(`${why}: .ci/run installs it, so CI must have it`);
      });
    });
    return;
  }
  // Jest lists nothing for a file whose tests are all skipped: say why once, where it shows.
  if (!warned.has(why)) {
    warned.add(why);
    console.warn(`${why}: skipping the cases that need it`);
  }
  describe.skip(`${title} (skipped: ${why})`, () => fn(...tars.map((t) => t.tar!)));
}
