import { isToleratedTarWarning } from '../../../src/archive/tar-archiver.js';

describe('isToleratedTarWarning', () => {
  test.each([
    'tar: node_modules/.cache: file changed as we read it',
    '/usr/bin/tar: ../../.gradle/daemon/8.5/daemon-1.out.log: file changed as we read it',
    'tar: dir/f1990: File removed before we read it',
  ])('tolerates %s', (line) => {
    expect(isToleratedTarWarning(line)).toBe(true);
  });

  test.each([
    'tar: gone: Cannot stat: No such file or directory',
    'tar: Exiting with failure status due to previous errors',
    'tar: big.bin: File shrank by 100 bytes; padding with zeros',
    'tar: secret: Cannot open: Permission denied',
    'tar: x: Datei hat sich beim Lesen geändert',
  ])('does not tolerate %s', (line) => {
    expect(isToleratedTarWarning(line)).toBe(false);
  });
});
