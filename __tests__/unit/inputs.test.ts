import { Inputs, PruneInputs } from '../../src/constants.js';
import { ValidationError } from '../../src/errors.js';
import {
  type InputSource,
  normalizePrefix,
  parsePruneSettings,
  parseSettings,
  parseSize,
} from '../../src/inputs.js';
import { secretParts } from '../../src/secrets.js';

function source(values: Partial<Record<Inputs, string>>): InputSource {
  return (name) => values[name] ?? '';
}
const base = { [Inputs.Path]: 'node_modules', [Inputs.Key]: 'k', [Inputs.FsRoot]: '/cache' };
const parse = (values: Partial<Record<Inputs, string>>, env: Record<string, string> = {}) =>
  parseSettings(source(values), env, '/ws');

describe('parseSettings', () => {
  test('defaults match actions/cache and the design', () => {
    const s = parse(base);
    expect(s.cache).toEqual({
      paths: ['node_modules'],
      key: 'k',
      restoreKeys: [],
      failOnCacheMiss: false,
      failOnError: false,
      lookupOnly: false,
      enableCrossOsArchive: false,
      prefix: '',
      save: true,
      overwrite: false,
      allowUntrustedSave: false,
      scope: 'branch',
      compression: 'auto',
      compressionLevel: undefined,
    });
    expect(s.storage).toEqual({ kind: 'fs', root: '/cache' });
    expect(s.transfer).toEqual({
      concurrency: 4,
      partSize: 8 * 1024 * 1024,
      rangeSize: 4 * 1024 * 1024,
      stallTimeoutMs: 120_000,
      timeoutMs: 0,
    });
  });

  test('multi-line path and restore-keys drop blank lines and trim', () => {
    const s = parse({
      ...base,
      [Inputs.Path]: ' a \n\n  !a/b\n~/.npm\n',
      [Inputs.RestoreKeys]: '\nx-\n\n y- \n',
    });
    expect(s.cache.paths).toEqual(['a', '!a/b', '~/.npm']);
    expect(s.cache.restoreKeys).toEqual(['x-', 'y-']);
  });

  test('path and key are required, naming the input', () => {
    expect(() => parse({ ...base, [Inputs.Path]: '\n \n' })).toThrow(
      expect.objectContaining({ input: 'path' }),
    );
    expect(() => parse({ ...base, [Inputs.Key]: '' })).toThrow(
      expect.objectContaining({ input: 'key' }),
    );
  });

  test('booleans accept true/false in any case and refuse anything else', () => {
    expect(parse({ ...base, [Inputs.LookupOnly]: 'TRUE' }).cache.lookupOnly).toBe(true);
    expect(() => parse({ ...base, [Inputs.FailOnCacheMiss]: 'yes' })).toThrow(
      expect.objectContaining({ input: 'fail-on-cache-miss' }),
    );
  });

  test('no storage configured is a clear error naming the choices', () => {
    expect(() => parse({ [Inputs.Path]: 'a', [Inputs.Key]: 'k' })).toThrow(
      /s3-bucket.*azure-container.*fs-root/,
    );
  });

  test('the backend is inferred, and ambiguity must be resolved with backend', () => {
    expect(parse({ ...base, [Inputs.FsRoot]: '', [Inputs.S3Bucket]: 'b' }).storage.kind).toBe('s3');
    expect(() => parse({ ...base, [Inputs.S3Bucket]: 'b' })).toThrow(
      expect.objectContaining({ input: 'backend' }),
    );
    expect(parse({ ...base, [Inputs.S3Bucket]: 'b', [Inputs.Backend]: 'fs' }).storage.kind).toBe(
      'fs',
    );
    expect(() => parse({ ...base, [Inputs.Backend]: 'gcs' })).toThrow(/one of s3, azure, fs/);
  });

  test('fs-root is resolved against the workspace with ~ expanded', () => {
    expect(parse({ ...base, [Inputs.FsRoot]: 'cache' }).storage).toEqual({
      kind: 'fs',
      root: '/ws/cache',
    });
    expect(parse({ ...base, [Inputs.FsRoot]: '~/c' }).storage).toMatchObject({
      root: expect.not.stringContaining('~'),
    });
  });

  test('S3: region from input or AWS_REGION; custom endpoints default to path style and WHEN_REQUIRED checksums', () => {
    const aws = parse(
      { ...base, [Inputs.FsRoot]: '', [Inputs.S3Bucket]: 'b' },
      { AWS_REGION: 'eu-west-1' },
    );
    expect(aws.storage).toEqual({
      kind: 's3',
      bucket: 'b',
      region: 'eu-west-1',
      endpoint: undefined,
      forcePathStyle: false,
      credentials: undefined,
      sse: undefined,
      checksum: 'when-supported',
    });
    const minio = parse({
      ...base,
      [Inputs.FsRoot]: '',
      [Inputs.S3Bucket]: 'b',
      [Inputs.S3Endpoint]: 'http://127.0.0.1:9000',
    });
    expect(minio.storage).toMatchObject({
      region: 'us-east-1',
      forcePathStyle: true,
      checksum: 'when-required',
    });
  });

  test('S3: both static keys or neither; KMS key id needs aws:kms', () => {
    const s3 = { ...base, [Inputs.FsRoot]: '', [Inputs.S3Bucket]: 'b' };
    expect(() => parse({ ...s3, [Inputs.AwsAccessKeyId]: 'AKIA' })).toThrow(
      expect.objectContaining({ input: 'aws-secret-access-key' }),
    );
    expect(
      parse({ ...s3, [Inputs.AwsAccessKeyId]: 'AKIA', [Inputs.AwsSecretAccessKey]: 's' }).storage,
    ).toMatchObject({
      credentials: { accessKeyId: 'AKIA', secretAccessKey: 's', sessionToken: undefined },
    });
    expect(() => parse({ ...s3, [Inputs.S3SseKmsKeyId]: 'k' })).toThrow(/aws:kms/);
    expect(
      parse({ ...s3, [Inputs.S3Sse]: 'aws:kms', [Inputs.S3SseKmsKeyId]: 'k' }).storage,
    ).toMatchObject({
      sse: { type: 'aws:kms', kmsKeyId: 'k' },
    });
    expect(() => parse({ ...s3, [Inputs.S3Endpoint]: 'minio:9000' })).toThrow(
      expect.objectContaining({ input: 's3-endpoint' }),
    );
  });

  test('Azure: needs some way to authenticate; key and SAS are exclusive', () => {
    const az = { ...base, [Inputs.FsRoot]: '', [Inputs.AzureContainer]: 'cache' };
    expect(() => parse(az)).toThrow(/azure-connection-string/);
    expect(parse({ ...az, [Inputs.AzureAccountName]: 'acct' }).storage).toMatchObject({
      kind: 'azure',
      accountName: 'acct',
    });
    expect(() =>
      parse({
        ...az,
        [Inputs.AzureAccountName]: 'acct',
        [Inputs.AzureAccountKey]: 'a2V5',
        [Inputs.AzureSasToken]: 's',
      }),
    ).toThrow(expect.objectContaining({ input: 'azure-sas-token' }));
  });

  test("upload-chunk-size is actions/cache's part size: bytes, kept inside the stores' limits", () => {
    const MiB = 1024 * 1024;
    const partSize = (v: Partial<Record<Inputs, string>>) =>
      parse({ ...base, ...v }).transfer.partSize;
    expect(partSize({ [Inputs.UploadChunkSize]: String(32 * MiB) })).toBe(32 * MiB);
    expect(partSize({ [Inputs.UploadChunkSize]: '1048576' })).toBe(5 * MiB);
    expect(partSize({ [Inputs.UploadChunkSize]: '8GiB' })).toBe(4000 * MiB);
    expect(partSize({ [Inputs.UploadChunkSize]: '64MiB', [Inputs.PartSize]: '8MiB' })).toBe(
      8 * MiB,
    );
    expect(() => parse({ ...base, [Inputs.UploadChunkSize]: 'big' })).toThrow(
      expect.objectContaining({ input: 'upload-chunk-size' }),
    );
  });

  test('download ranges are 4MiB unless a part size was chosen, which then applies to them too', () => {
    const MiB = 1024 * 1024;
    const rangeSize = (v: Partial<Record<Inputs, string>>) =>
      parse({ ...base, ...v }).transfer.rangeSize;
    expect(rangeSize({})).toBe(4 * MiB);
    expect(rangeSize({ [Inputs.PartSize]: '16MiB' })).toBe(16 * MiB);
    expect(rangeSize({ [Inputs.UploadChunkSize]: String(32 * MiB) })).toBe(32 * MiB);
  });

  test("SEGMENT_DOWNLOAD_TIMEOUT_MINS (actions/cache's variable) is read as minutes", () => {
    expect(parse(base, { SEGMENT_DOWNLOAD_TIMEOUT_MINS: '5' }).transfer.downloadTimeoutMs).toBe(
      300_000,
    );
    expect(parse(base, { SEGMENT_DOWNLOAD_TIMEOUT_MINS: '0.5' }).transfer.downloadTimeoutMs).toBe(
      30_000,
    );
    expect(parse(base).transfer.downloadTimeoutMs).toBeUndefined();
    for (const bad of ['0', '-1', 'ten']) {
      expect(() => parse(base, { SEGMENT_DOWNLOAD_TIMEOUT_MINS: bad })).toThrow(
        expect.objectContaining({ input: 'SEGMENT_DOWNLOAD_TIMEOUT_MINS' }),
      );
    }
  });

  test('transfer settings: sizes with units, bounds enforced', () => {
    expect(
      parse({ ...base, [Inputs.PartSize]: '8MiB', [Inputs.Concurrency]: '4' }).transfer,
    ).toMatchObject({
      partSize: 8 * 1024 * 1024,
      concurrency: 4,
    });
    expect(() => parse({ ...base, [Inputs.PartSize]: '1MiB' })).toThrow(/5MiB/);
    expect(() => parse({ ...base, [Inputs.Concurrency]: '0' })).toThrow(
      expect.objectContaining({ input: 'concurrency' }),
    );
    expect(parse({ ...base, [Inputs.Timeout]: '600' }).transfer.timeoutMs).toBe(600_000);
  });

  test('compression and levels', () => {
    expect(
      parse({ ...base, [Inputs.Compression]: 'gzip', [Inputs.CompressionLevel]: '9' }).cache,
    ).toMatchObject({
      compression: 'gzip',
      compressionLevel: 9,
    });
    expect(() =>
      parse({ ...base, [Inputs.Compression]: 'gzip', [Inputs.CompressionLevel]: '19' }),
    ).toThrow(/1 to 9/);
    expect(() => parse({ ...base, [Inputs.Compression]: 'lz4' })).toThrow(
      expect.objectContaining({ input: 'compression' }),
    );
  });
});

describe('storage settings are checked when read, naming the input', () => {
  const sas = 'sv=2024-08-04&sr=c&sp=rl&se=2030-01-01T00%3A00%3A00Z&sig=abc%3D';
  const conn =
    'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net';
  const az = (over: Partial<Record<Inputs, string>>) =>
    parse({ ...base, [Inputs.FsRoot]: '', [Inputs.AzureContainer]: 'cache', ...over });
  const refused = (fn: () => unknown, input: string, message: RegExp) =>
    expect(fn).toThrow(
      expect.objectContaining({
        name: 'ValidationError',
        input,
        message: expect.stringMatching(message),
      }),
    );

  test.each([
    [
      { [Inputs.AzureContainer]: 'Builds_1', [Inputs.AzureAccountName]: 'acct' },
      'azure-container',
      /3-63 lowercase/,
    ],
    [
      { [Inputs.AzureContainer]: 'a--b', [Inputs.AzureAccountName]: 'acct' },
      'azure-container',
      /single hyphens/,
    ],
    [
      { [Inputs.AzureContainer]: 'ab', [Inputs.AzureAccountName]: 'acct' },
      'azure-container',
      /3-63/,
    ],
    [
      { [Inputs.AzureAccountName]: 'https://acct.blob.core.windows.net' },
      'azure-account-name',
      /bare account name/,
    ],
    [{ [Inputs.AzureAccountName]: 'My_Account' }, 'azure-account-name', /3-24 lowercase/],
    [
      { [Inputs.AzureConnectionString]: conn, [Inputs.AzureAccountKey]: 'a2V5' },
      'azure-connection-string',
      /cannot be combined with azure-account-key/,
    ],
    [
      { [Inputs.AzureConnectionString]: conn, [Inputs.AzureEndpoint]: 'https://x' },
      'azure-connection-string',
      /azure-endpoint/,
    ],
    [
      { [Inputs.AzureConnectionString]: 'garbage' },
      'azure-connection-string',
      /not a storage connection string/,
    ],
    [
      { [Inputs.AzureConnectionString]: 'AccountName=acct' },
      'azure-connection-string',
      /not a storage connection string/,
    ],
    [
      { [Inputs.AzureConnectionString]: 'BlobEndpoint=acct.blob;SharedAccessSignature=sv=1&sig=x' },
      'azure-connection-string',
      /not a storage connection string/,
    ],
    [
      {
        [Inputs.AzureAccountName]: 'acct',
        [Inputs.AzureAccountKey]: 'a2V5',
        [Inputs.AzureSasToken]: sas,
      },
      'azure-sas-token',
      /not both/,
    ],
    [
      {
        [Inputs.AzureEndpoint]: 'http://127.0.0.1:1/devstoreaccount1',
        [Inputs.AzureAccountKey]: 'a2V5',
      },
      'azure-account-name',
      /without azure-account-name/,
    ],
    [
      { [Inputs.AzureAccountName]: 'acct', [Inputs.AzureAccountKey]: 'not a key!' },
      'azure-account-key',
      /not an account key/,
    ],
    [
      {
        [Inputs.AzureAccountName]: 'acct',
        [Inputs.AzureSasToken]: `https://acct.blob.core.windows.net/cache?${sas}`,
      },
      'azure-sas-token',
      /not a SAS token/,
    ],
    [
      { [Inputs.AzureAccountName]: 'acct', [Inputs.AzureSasToken]: 'sv=2024-08-04&sp=rl' },
      'azure-sas-token',
      /not a SAS token/,
    ],
    [
      { [Inputs.AzureAccountName]: 'acct', [Inputs.AzureSasToken]: 'a2V5a2V5' },
      'azure-sas-token',
      /not a SAS token/,
    ],
    [
      { [Inputs.AzureAccountName]: 'acct', [Inputs.AzureEndpoint]: 'acct.blob.core.windows.net' },
      'azure-endpoint',
      /http\(s\) URL/,
    ],
    [
      {
        [Inputs.AzureAccountName]: 'acct',
        [Inputs.AzureEndpoint]: `https://acct.blob.core.windows.net?${sas}`,
      },
      'azure-endpoint',
      /without query/,
    ],
    [
      { [Inputs.AzureEndpoint]: 'http://127.0.0.1:10000/devstoreaccount1' },
      'azure-endpoint',
      /Entra ID needs an https/,
    ],
  ])('Azure %j is refused', (over, input, message) => {
    refused(() => az(over), input, message);
  });

  test('a SAS inside an endpoint is not echoed in the error', () => {
    try {
      az({
        [Inputs.AzureAccountName]: 'acct',
        [Inputs.AzureEndpoint]: `https://acct.blob.core.windows.net/?${sas}`,
      });
      throw new Error('expected a refusal');
    } catch (err) {
      expect((err as Error).message).not.toContain('sig=');
    }
  });

  test('valid Azure settings pass', () => {
    expect(az({ [Inputs.AzureConnectionString]: conn }).storage).toMatchObject({ kind: 'azure' });
    expect(
      az({ [Inputs.AzureConnectionString]: 'UseDevelopmentStorage=true' }).storage,
    ).toMatchObject({ kind: 'azure' });
    expect(
      az({ [Inputs.AzureAccountName]: 'acct', [Inputs.AzureSasToken]: `?${sas}` }).storage,
    ).toMatchObject({ kind: 'azure' });
    expect(
      az({
        [Inputs.AzureAccountName]: 'acct',
        [Inputs.AzureAccountKey]: 'a2V5',
        [Inputs.AzureEndpoint]: 'http://127.0.0.1:10000/acct',
      }).storage,
    ).toMatchObject({ kind: 'azure' });
    expect(
      az({ [Inputs.AzureContainer]: '$root', [Inputs.AzureAccountName]: 'acct' }).storage,
    ).toMatchObject({ container: '$root' });
  });

  test.each([
    'minio:9000',
    'https://',
    'ftp://host',
    'https://host?x=1',
    'https://user:pw@host',
    'https://host#f',
  ])('S3 endpoint %s is refused', (endpoint) => {
    refused(
      () =>
        parse({
          ...base,
          [Inputs.FsRoot]: '',
          [Inputs.S3Bucket]: 'b',
          [Inputs.S3Endpoint]: endpoint,
        }),
      's3-endpoint',
      /http\(s\) URL/,
    );
  });

  test.each([
    ['cache', '.'],
    ['node_modules/.store', 'node_modules'],
    ['/ws/deps/store', 'deps/**'],
    ['/ws/deps', 'deps'],
    ['/ws/a/b', 'x\n!a/c\na'],
  ])('fs-root %s inside path %j is refused, naming both inputs', (root, paths) => {
    refused(
      () => parse({ ...base, [Inputs.FsRoot]: root, [Inputs.Path]: paths }),
      'fs-root',
      /fs-root .* is inside the cached path .*Move fs-root outside the paths listed in path/,
    );
  });

  test.each([
    ['/cache', 'node_modules'],
    ['/ws/deps-store', 'deps'],
    ['/ws', 'deps'],
  ])('fs-root %s beside path %j is fine', (root, paths) => {
    expect(parse({ ...base, [Inputs.FsRoot]: root, [Inputs.Path]: paths }).storage).toMatchObject({
      kind: 'fs',
    });
  });
});

describe('parseSize', () => {
  test.each([
    ['5242880', 5242880],
    ['16MiB', 16 * 1024 ** 2],
    ['16mb', 16 * 1024 ** 2],
    ['1G', 1024 ** 3],
    ['0.5 GiB', 512 * 1024 ** 2],
  ])('%s', (text, bytes) => expect(parseSize(text, Inputs.PartSize)).toBe(bytes));

  test('refuses nonsense', () => {
    expect(() => parseSize('lots', Inputs.PartSize)).toThrow(/16MiB/);
    expect(() => parseSize('5 parsecs', Inputs.PartSize)).toThrow();
  });
});

describe('secretParts', () => {
  test('masks a connection string and the account key and signature inside it', () => {
    const cs =
      'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=abc+def/ghi==;EndpointSuffix=core.windows.net';
    expect(secretParts(cs)).toEqual(
      expect.arrayContaining([cs, 'abc+def/ghi==', encodeURIComponent('abc+def/ghi==')]),
    );
  });

  test('masks a SAS token and its signature in encoded and decoded form', () => {
    const sas = '?sv=2024-01-01&sp=rl&sig=AbC%2Bd%2Fe%3D';
    expect(secretParts(sas)).toEqual(expect.arrayContaining([sas, 'AbC%2Bd%2Fe%3D', 'AbC+d/e=']));
  });

  test('a plain secret is masked as is', () => {
    expect(secretParts('wJalrXUtnFEMI/K7MDENG')).toEqual(['wJalrXUtnFEMI/K7MDENG']);
  });
});

describe('normalizePrefix', () => {
  test('trims slashes and whitespace', () => {
    expect(normalizePrefix(' /ci/cache/ ')).toBe('ci/cache');
    expect(normalizePrefix('')).toBe('');
  });

  test('refuses dot segments, empty segments and backslashes', () => {
    for (const bad of ['a/../b', './a', 'a//b', 'a\\b']) {
      expect(() => normalizePrefix(bad)).toThrow(expect.objectContaining({ input: 'prefix' }));
    }
  });
});

describe('parsePruneSettings', () => {
  const prune = (values: Partial<Record<PruneInputs, string>>) =>
    parsePruneSettings((name) => values[name] ?? '');

  test('no rule, this repository only, and not a dry run by default', () => {
    expect(prune({})).toEqual({
      unusedForMs: undefined,
      olderThanMs: undefined,
      keep: undefined,
      maxSizeBytes: undefined,
      allRepositories: false,
      dryRun: false,
    });
  });

  test('reads every rule', () => {
    expect(
      prune({
        [PruneInputs.UnusedFor]: '14d',
        [PruneInputs.OlderThan]: ' 1w12h ',
        [PruneInputs.Keep]: '3',
        [PruneInputs.MaxTotalSize]: '200GiB',
        [PruneInputs.AllRepositories]: 'true',
        [PruneInputs.DryRun]: 'TRUE',
      }),
    ).toEqual({
      unusedForMs: 14 * 86_400_000,
      olderThanMs: 7 * 86_400_000 + 12 * 3_600_000,
      keep: 3,
      maxSizeBytes: 200 * 1024 ** 3,
      allRepositories: true,
      dryRun: true,
    });
  });

  test.each([
    [PruneInputs.UnusedFor, '14 days', /unused-for must be a duration/],
    [PruneInputs.OlderThan, '-1d', /older-than must be a duration/],
    [PruneInputs.Keep, '0', /keep must be a whole number of at least 1/],
    [PruneInputs.Keep, '2.5', /keep must be a whole number/],
    [PruneInputs.MaxTotalSize, 'lots', /max-total-size must be a size/],
    [PruneInputs.AllRepositories, 'yes', /all-repositories must be "true" or "false"/],
  ])('refuses %s=%j, naming the input', (name, value, message) => {
    let err: unknown;
    try {
      prune({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toMatch(message);
    expect((err as ValidationError).input).toBe(name);
  });
});
