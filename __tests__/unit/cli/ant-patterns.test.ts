import { antPatternsToPaths } from '../../../src/cli/ant-patterns.js';

describe('antPatternsToPaths', () => {
  it("maps CloudBees' documented includes and excludes", () => {
    expect(antPatternsToPaths('.m2/repository/**', '**SNAPSHOT**')).toEqual([
      '.m2/repository',
      '!**/*SNAPSHOT*',
    ]);
    expect(antPatternsToPaths('yarn-cache/**,yarn-global/**,**/node_modules/**', '')).toEqual([
      'yarn-cache',
      'yarn-global',
      '**/node_modules',
    ]);
    expect(antPatternsToPaths('**', '')).toEqual(['.']);
  });

  it('keeps globs inside names, makes a trailing slash mean /**, and [ literal', () => {
    expect(antPatternsToPaths(' build/*.jar , out/ ,lib[1]/x?.so', '**/target/**, *.tmp')).toEqual([
      'build/*.jar',
      'out',
      'lib[[]1]/x?.so',
      '!**/target',
      '!*.tmp',
    ]);
  });

  it('refuses absolute and escaping patterns, as writeCache does', () => {
    expect(() => antPatternsToPaths('/tmp/jenkins/**', '')).toThrow(
      /relative to the working directory/,
    );
    expect(() => antPatternsToPaths('a/**', '../x')).toThrow(/--excludes patterns cannot leave/);
  });
});
