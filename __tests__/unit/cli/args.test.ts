import { parseArgs, parseDuration, splitKeys, usage, UsageError } from '../../../src/cli/args.js';
import { Inputs } from '../../../src/constants.js';

describe('parseArgs', () => {
  it('reads the command and every action input as --<input-name>', () => {
    const args = parseArgs([
      'restore',
      '--key',
      'npm-1',
      '--s3-bucket=b',
      '--enableCrossOsArchive',
      '--compression-level',
      '5',
    ]);
    expect(args.command).toBe('restore');
    expect(args.inputs).toEqual({
      [Inputs.Key]: 'npm-1',
      [Inputs.S3Bucket]: 'b',
      [Inputs.EnableCrossOsArchive]: 'true',
      [Inputs.CompressionLevel]: '5',
    });
  });

  it('accepts every input name as a flag, but the action-only save-always', () => {
    for (const name of Object.values(Inputs)) {
      if (name === Inputs.SaveAlways) continue;
      const args = parseArgs(['save', `--${name}=x`]);
      expect(args.inputs[name]).toBe('x');
    }
    expect(() => parseArgs(['save', '--save-always'])).toThrow(/unknown option --save-always/);
  });

  it('collects repeated --path as lines, splitting on newlines but never on commas', () => {
    const args = parseArgs(['save', '--path', 'a,b', '--path', 'c\n  d  \n', '--path=~/.m2']);
    expect(args.inputs[Inputs.Path]).toBe('a,b\nc\nd\n~/.m2');
  });

  it('collects --restore-keys from repeats, newlines and commas', () => {
    const args = parseArgs(['restore', '--restore-keys', 'a-,b-', '--restore-keys', 'c-\nd-']);
    expect(args.inputs[Inputs.RestoreKeys]).toBe('a-\nb-\nc-\nd-');
    expect(splitKeys(' x , ,y ')).toEqual(['x', 'y']);
  });

  it('takes switches as --x, --x=false, --x false and --no-x', () => {
    expect(parseArgs(['restore', '--fail-on-cache-miss']).inputs[Inputs.FailOnCacheMiss]).toBe(
      'true',
    );
    expect(
      parseArgs(['restore', '--fail-on-cache-miss=false']).inputs[Inputs.FailOnCacheMiss],
    ).toBe('false');
    const spaced = parseArgs(['save', '--overwrite', 'false', '--key', 'k']);
    expect(spaced.inputs[Inputs.Overwrite]).toBe('false');
    expect(spaced.inputs[Inputs.Key]).toBe('k');
    expect(parseArgs(['save', '--no-s3-force-path-style']).inputs[Inputs.S3ForcePathStyle]).toBe(
      'false',
    );
    // Anything else is passed on for parseSettings to refuse with the input's name.
    expect(parseArgs(['save', '--overwrite=maybe']).inputs[Inputs.Overwrite]).toBe('maybe');
  });

  it('lets the last of a repeated single-valued flag win', () => {
    expect(parseArgs(['save', '--key', 'a', '--key', 'b']).inputs[Inputs.Key]).toBe('b');
  });

  it('reads the CLI-only flags', () => {
    const args = parseArgs([
      'restore',
      '--repository',
      'grp/sub/app',
      '--ref',
      'feature',
      '--base-ref',
      'main',
      '--default-branch',
      'main',
      '--workspace',
      '/w',
      '--json',
      '--strict',
      '--debug',
    ]);
    expect(args).toMatchObject({
      repository: 'grp/sub/app',
      ref: 'feature',
      baseRef: 'main',
      defaultBranch: 'main',
      workspace: '/w',
      json: true,
      strict: true,
      debug: true,
    });
  });

  it('leaves strict and debug undefined when not given, so the environment may decide', () => {
    const args = parseArgs(['restore']);
    expect(args.strict).toBeUndefined();
    expect(args.debug).toBeUndefined();
    expect(parseArgs(['restore', '--no-strict']).strict).toBe(false);
  });

  it('uses --key as a filter for list, delete and prune, not as an input', () => {
    for (const command of ['list', 'delete', 'prune']) {
      const args = parseArgs([command, '--key', 'npm-']);
      expect(args.key).toBe('npm-');
      expect(args.inputs[Inputs.Key]).toBeUndefined();
    }
  });

  it('reads the prune policy', () => {
    const args = parseArgs([
      'prune',
      '--older-than',
      '1d12h',
      '--keep',
      '3',
      '--max-size',
      '2GiB',
      '--dry-run',
    ]);
    expect(args.olderThanMs).toBe(36 * 3_600_000);
    expect(args.keep).toBe(3);
    expect(args.maxSizeBytes).toBe(2 * 1024 ** 3);
    expect(args.dryRun).toBe(true);
  });

  it('accepts flags before the command, and -- before a value that looks like a flag', () => {
    expect(parseArgs(['--debug', 'list']).command).toBe('list');
    expect(parseArgs(['save', '--key=--odd']).inputs[Inputs.Key]).toBe('--odd');
  });

  it('parses help and version without a command', () => {
    expect(parseArgs(['--help']).help).toBe(true);
    expect(parseArgs(['-h']).help).toBe(true);
    expect(parseArgs(['help']).help).toBe(true);
    expect(parseArgs(['--version']).version).toBe(true);
    expect(parseArgs([]).command).toBeUndefined();
  });

  it.each([
    [['restore', '--bogus'], /unknown option --bogus/],
    [['restore', '-x'], /unknown option -x/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['save', 'extra'], /unexpected argument "extra"/],
    [['save', '--key'], /--key needs a value/],
    [['save', '--key', '--path', 'p'], /--key needs a value/],
    [['list', '--path', 'x'], /--path is not an option of list/],
    [['restore', '--older-than', '1d'], /--older-than is not an option of restore/],
    [['delete', '--keep', '1'], /--keep is not an option of delete/],
    [['prune', '--older-than', '7 days'], /--older-than must be a duration/],
    [['prune', '--keep', '0'], /--keep must be a whole number of at least 1/],
    [['prune', '--max-size', 'lots'], /--max-size must be a size/],
    [['list', '--json=yes'], /--json must be true or false/],
    [['list', '--no-json=true'], /--no-json does not take a value/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('prune options', () => {
  it('parses the eviction rules, the scope switch and the grace period', () => {
    const a = parseArgs([
      'prune',
      '--unused-for',
      '14d',
      '--all-repositories',
      '--grace=12h',
      '--max-size',
      '1GiB',
    ]);
    expect(a).toMatchObject({
      command: 'prune',
      unusedForMs: 14 * 86_400_000,
      allRepositories: true,
      graceMs: 12 * 3_600_000,
      maxSizeBytes: 1024 ** 3,
    });
    expect(parseArgs(['prune']).allRepositories).toBe(false);
  });

  it.each([
    [['prune', '--unused-for', '2 weeks'], /--unused-for must be a duration/],
    [['prune', '--grace', 'soon'], /--grace must be a duration/],
    [['list', '--unused-for', '1d'], /--unused-for is not an option of list/],
    [['delete', '--all-repositories'], /--all-repositories is not an option of delete/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['12h', 43_200_000],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
    ['1d12h', 129_600_000],
  ])('%s', (text, ms) => {
    expect(parseDuration(text, '--older-than')).toBe(ms);
  });

  it('names the flag when it refuses', () => {
    expect(() => parseDuration('7', '--older-than')).toThrow(/--older-than must be a duration/);
    expect(() => parseDuration('-1d', '--older-than')).toThrow(UsageError);
  });
});

describe('usage', () => {
  it('names every command and the environment variable scheme', () => {
    const text = usage();
    for (const c of ['save', 'restore', 'list', 'delete', 'prune'])
      expect(text).toContain(`  ${c} `);
    expect(text).toContain('BUCKET_CACHE_<NAME>');
    expect(text).toContain('PLUGIN_');
    expect(text).toMatch(/Exit codes:/);
  });
});
