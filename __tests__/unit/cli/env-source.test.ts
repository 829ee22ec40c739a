import { UsageError } from '../../../src/cli/args.js';
import {
  cliSetting,
  cliSwitch,
  createCliSource,
  describeInput,
  envName,
  goDurationSeconds,
  pluginCommand,
  unsupportedPluginSettings,
} from '../../../src/cli/env-source.js';
import { Inputs } from '../../../src/constants.js';
import { ValidationError } from '../../../src/errors.js';
import { parseSettings } from '../../../src/inputs.js';

describe('envName', () => {
  it('turns input names into BUCKET_CACHE_ variables', () => {
    expect(envName(Inputs.S3Bucket)).toBe('BUCKET_CACHE_S3_BUCKET');
    expect(envName(Inputs.RestoreKeys)).toBe('BUCKET_CACHE_RESTORE_KEYS');
    expect(envName(Inputs.EnableCrossOsArchive)).toBe('BUCKET_CACHE_ENABLE_CROSS_OS_ARCHIVE');
    expect(envName(Inputs.AwsAccessKeyId)).toBe('BUCKET_CACHE_AWS_ACCESS_KEY_ID');
  });
});

describe('createCliSource precedence', () => {
  it('prefers the flag, then BUCKET_CACHE_*, then PLUGIN_*', () => {
    const env = { BUCKET_CACHE_S3_BUCKET: 'from-env', PLUGIN_BUCKET: 'from-plugin' };
    expect(createCliSource({ [Inputs.S3Bucket]: 'from-flag' }, env).get(Inputs.S3Bucket)).toBe(
      'from-flag',
    );
    expect(createCliSource({}, env).get(Inputs.S3Bucket)).toBe('from-env');
    expect(createCliSource({}, { PLUGIN_BUCKET: 'from-plugin' }).get(Inputs.S3Bucket)).toBe(
      'from-plugin',
    );
    expect(createCliSource({}, {}).get(Inputs.S3Bucket)).toBe('');
  });

  it('says where each value came from', () => {
    const s = createCliSource(
      { [Inputs.Key]: 'k' },
      { BUCKET_CACHE_PATH: 'p', PLUGIN_BUCKET: 'b' },
    );
    expect(s.origin(Inputs.Key)).toBe('--key');
    expect(s.origin(Inputs.Path)).toBe('BUCKET_CACHE_PATH');
    expect(s.origin(Inputs.S3Bucket)).toBe('PLUGIN_BUCKET');
    expect(s.origin(Inputs.S3Region)).toBeUndefined();
  });

  it('treats empty plugin values as unset (Harness passes unset settings as "")', () => {
    const s = createCliSource({}, { PLUGIN_ENDPOINT: '', BUCKET_CACHE_S3_ENDPOINT: '' });
    expect(s.get(Inputs.S3Endpoint)).toBe('');
  });

  it('splits BUCKET_CACHE_PATH on newlines and BUCKET_CACHE_RESTORE_KEYS on newlines and commas', () => {
    const s = createCliSource(
      {},
      { BUCKET_CACHE_PATH: 'a,b\nc', BUCKET_CACHE_RESTORE_KEYS: 'x-,y-\nz-' },
    );
    expect(s.get(Inputs.Path)).toBe('a,b\nc');
    expect(s.get(Inputs.RestoreKeys)).toBe('x-\ny-\nz-');
  });
});

describe('drone-cache / Harness plugin settings', () => {
  const source = (env: Record<string, string>, pluginMode = false) =>
    createCliSource({}, env, { pluginMode });

  it('maps the S3 settings', () => {
    const s = source({
      PLUGIN_BACKEND: 's3',
      PLUGIN_CACHE_KEY: 'k',
      PLUGIN_MOUNT: 'node_modules, .npm ,/harness/gradle/caches/',
      PLUGIN_BUCKET: 'b',
      PLUGIN_REGION: 'eu-west-1',
      PLUGIN_ENDPOINT: 'http://minio:9000',
      PLUGIN_PATH_STYLE: 'true',
      PLUGIN_ACCESS_KEY: 'AKIA0000',
      PLUGIN_SECRET_KEY: 'secret0000',
      PLUGIN_ENCRYPTION: 'AES256',
      PLUGIN_REMOTE_ROOT: 'team',
    });
    expect(s.get(Inputs.Backend)).toBe('s3');
    expect(s.get(Inputs.Key)).toBe('k');
    expect(s.get(Inputs.Path)).toBe('node_modules\n.npm\n/harness/gradle/caches/');
    expect(s.get(Inputs.S3Bucket)).toBe('b');
    expect(s.get(Inputs.S3Region)).toBe('eu-west-1');
    expect(s.get(Inputs.S3Endpoint)).toBe('http://minio:9000');
    expect(source({ PLUGIN_ENDPOINT: 'storage.googleapis.com' }).get(Inputs.S3Endpoint)).toBe(
      'https://storage.googleapis.com',
    );
    expect(s.get(Inputs.S3ForcePathStyle)).toBe('true');
    expect(s.get(Inputs.AwsAccessKeyId)).toBe('AKIA0000');
    expect(s.get(Inputs.AwsSecretAccessKey)).toBe('secret0000');
    expect(s.get(Inputs.S3Sse)).toBe('AES256');
    expect(s.get(Inputs.Prefix)).toBe('team');
  });

  it('maps the Azure settings, including the seed pipeline shape', () => {
    const s = source({
      PLUGIN_BACKEND: 'azure',
      PLUGIN_ACCOUNT_NAME: 'acct',
      PLUGIN_ACCOUNT_KEY: 'a2V5a2V5',
      PLUGIN_BLOB_CONTAINER_NAME: 'caches',
      AZURE_BLOB_STORAGE_URL: 'blob.core.chinacloudapi.cn',
    });
    expect(s.get(Inputs.Backend)).toBe('azure');
    expect(s.get(Inputs.AzureAccountName)).toBe('acct');
    expect(s.get(Inputs.AzureAccountKey)).toBe('a2V5a2V5');
    expect(s.get(Inputs.AzureContainer)).toBe('caches');
    expect(s.get(Inputs.AzureEndpoint)).toBe('https://acct.blob.core.chinacloudapi.cn');
    expect(
      source({ PLUGIN_CONTAINER: 'c1', PLUGIN_BLOB_CONTAINER_NAME: 'c2' }).get(
        Inputs.AzureContainer,
      ),
    ).toBe('c1');
    expect(
      source({ AZURE_BLOB_STORAGE_URL: 'blob.core.windows.net', PLUGIN_ACCOUNT_NAME: 'a' }).get(
        Inputs.AzureEndpoint,
      ),
    ).toBe('');
    expect(
      source({ AZURE_BLOB_STORAGE_URL: 'http://127.0.0.1:10000/dev' }).get(Inputs.AzureEndpoint),
    ).toBe('http://127.0.0.1:10000/dev');
  });

  it('falls back to AZURE_STORAGE_CONNECTION_STRING', () => {
    const s = source({ AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' });
    expect(s.get(Inputs.AzureConnectionString)).toBe('UseDevelopmentStorage=true');
    expect(s.origin(Inputs.AzureConnectionString)).toBe('AZURE_STORAGE_CONNECTION_STRING');
  });

  it('maps the filesystem backend with drone-cache’s default root', () => {
    expect(source({ PLUGIN_BACKEND: 'filesystem' }).get(Inputs.Backend)).toBe('fs');
    expect(source({ PLUGIN_BACKEND: 'filesystem' }).get(Inputs.FsRoot)).toBe('/tmp/cache');
    expect(
      source({ PLUGIN_BACKEND: 'filesystem', PLUGIN_FILESYSTEM_CACHE_ROOT: '/cache' }).get(
        Inputs.FsRoot,
      ),
    ).toBe('/cache');
    expect(source({ PLUGIN_BACKEND: 's3' }).get(Inputs.FsRoot)).toBe('');
  });

  it('translates archive formats: tar means no compression', () => {
    expect(source({ PLUGIN_ARCHIVE_FORMAT: 'tar' }).get(Inputs.Compression)).toBe('none');
    expect(source({ PLUGIN_ARCHIVE_FORMAT: 'Gzip' }).get(Inputs.Compression)).toBe('gzip');
    expect(source({ PLUGIN_ARCHIVE_FORMAT: 'zstd' }).get(Inputs.Compression)).toBe('zstd');
    expect(() => source({ PLUGIN_ARCHIVE_FORMAT: 'rar' }).get(Inputs.Compression)).toThrow(
      /PLUGIN_ARCHIVE_FORMAT must be tar, gzip or zstd/,
    );
  });

  it('leaves Go’s default/none gzip levels to our default', () => {
    expect(source({ PLUGIN_COMPRESSION_LEVEL: '-1' }).get(Inputs.CompressionLevel)).toBe('');
    expect(source({ PLUGIN_COMPRESSION_LEVEL: '0' }).get(Inputs.CompressionLevel)).toBe('');
    expect(source({ PLUGIN_COMPRESSION_LEVEL: '9' }).get(Inputs.CompressionLevel)).toBe('9');
  });

  it('reads Go booleans and durations', () => {
    expect(
      source({ PLUGIN_FAIL_RESTORE_IF_KEY_NOT_PRESENT: '1' }).get(Inputs.FailOnCacheMiss),
    ).toBe('true');
    expect(source({ PLUGIN_PATH_STYLE: 'False' }).get(Inputs.S3ForcePathStyle)).toBe('false');
    expect(source({ PLUGIN_BACKEND_OPERATION_TIMEOUT: '1800s' }).get(Inputs.Timeout)).toBe('1800');
    expect(goDurationSeconds('1h30m', 'X')).toBe('5400');
    expect(goDurationSeconds('1500ms', 'X')).toBe('2');
    expect(goDurationSeconds('0', 'X')).toBe('0');
    expect(() => goDurationSeconds('ten minutes', 'PLUGIN_BACKEND_OPERATION_TIMEOUT')).toThrow(
      /PLUGIN_BACKEND_OPERATION_TIMEOUT must be a duration/,
    );
  });

  it('refuses gcs and sftp backends with a way forward', () => {
    const gcs = () => source({ PLUGIN_BACKEND: 'gcs' }).get(Inputs.Backend);
    expect(gcs).toThrow(ValidationError);
    expect(gcs).toThrow(/storage.googleapis.com/);
    expect(() => source({ PLUGIN_BACKEND: 'sftp' }).get(Inputs.Backend)).toThrow(/filesystem/);
  });

  it('defaults overwrite to true only in plugin mode, as drone-cache’s override does', () => {
    expect(source({}, true).get(Inputs.Overwrite)).toBe('true');
    expect(source({ PLUGIN_OVERRIDE: 'false' }, true).get(Inputs.Overwrite)).toBe('false');
    expect(source({}, false).get(Inputs.Overwrite)).toBe('');
    expect(
      createCliSource({ [Inputs.Overwrite]: 'false' }, {}, { pluginMode: true }).get(
        Inputs.Overwrite,
      ),
    ).toBe('false');
  });

  it('feeds parseSettings: a Harness S3 step becomes valid settings', () => {
    const env = {
      PLUGIN_BACKEND: 's3',
      PLUGIN_CACHE_KEY: 'cache-tar',
      PLUGIN_MOUNT: 'src/main/resources,/shared/cache',
      PLUGIN_BUCKET: 'harnesscie-cache-tar',
      PLUGIN_REGION: 'us-west-2',
      PLUGIN_ARCHIVE_FORMAT: 'tar',
      PLUGIN_PATH_STYLE: 'false',
      PLUGIN_FAIL_RESTORE_IF_KEY_NOT_PRESENT: 'true',
      PLUGIN_BACKEND_OPERATION_TIMEOUT: '100s',
      PLUGIN_ACCESS_KEY: 'AKIAEXAMPLE',
      PLUGIN_SECRET_KEY: 'wJalrEXAMPLE',
    };
    const settings = parseSettings(
      createCliSource({}, env, { pluginMode: true }).get,
      env,
      '/harness',
    );
    expect(settings.cache).toMatchObject({
      key: 'cache-tar',
      paths: ['src/main/resources', '/shared/cache'],
      compression: 'none',
      failOnCacheMiss: true,
      overwrite: true,
    });
    expect(settings.storage).toMatchObject({
      kind: 's3',
      bucket: 'harnesscie-cache-tar',
      region: 'us-west-2',
      forcePathStyle: false,
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'wJalrEXAMPLE' },
    });
    expect(settings.transfer.timeoutMs).toBe(100_000);
  });
});

describe('secrets', () => {
  it('lists secret values from every source, and the key inside a connection string', () => {
    const s = createCliSource(
      { [Inputs.AwsSecretAccessKey]: 'flag-secret' },
      {
        PLUGIN_ACCESS_KEY: 'AKIAPLUGIN',
        AZURE_STORAGE_CONNECTION_STRING:
          'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0a2V5;EndpointSuffix=core.windows.net',
      },
    );
    expect(s.secrets()).toEqual(
      expect.arrayContaining(['flag-secret', 'AKIAPLUGIN', 'c2VjcmV0a2V5']),
    );
    expect(s.secrets()).not.toContain('a');
  });
});

describe('pluginCommand', () => {
  it('chooses restore or save from PLUGIN_RESTORE / PLUGIN_REBUILD', () => {
    expect(pluginCommand({ PLUGIN_RESTORE: 'true' })).toBe('restore');
    expect(pluginCommand({ PLUGIN_REBUILD: 'true' })).toBe('save');
    expect(pluginCommand({ PLUGIN_REBUILD: 'false', PLUGIN_RESTORE: 'false' })).toBeUndefined();
    expect(pluginCommand({})).toBeUndefined();
    expect(() => pluginCommand({ PLUGIN_RESTORE: 'true', PLUGIN_REBUILD: 'true' })).toThrow(
      UsageError,
    );
  });
});

describe('unsupportedPluginSettings', () => {
  it('names settings that would change behaviour, not Harness bookkeeping', () => {
    const warnings = unsupportedPluginSettings({
      PLUGIN_ASSUME_ROLE: 'arn:aws:iam::1:role/x',
      PLUGIN_SKIP_SYMLINKS: 'false',
      PLUGIN_ACL: 'private',
      PLUGIN_STEP_ID: 'save',
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^PLUGIN_ASSUME_ROLE is ignored: .*AWS_ROLE_ARN/);
    expect(unsupportedPluginSettings({ PLUGIN_SKIP_SYMLINKS: 'true' })).toHaveLength(1);
  });
});

describe('describeInput and CLI-only settings', () => {
  it('names the flag, the variable and the plugin setting', () => {
    expect(describeInput(Inputs.S3Bucket)).toBe(
      '--s3-bucket, BUCKET_CACHE_S3_BUCKET or PLUGIN_BUCKET',
    );
    expect(describeInput(Inputs.Scope)).toBe('--scope or BUCKET_CACHE_SCOPE');
  });

  it('reads CLI-only settings from flags, BUCKET_CACHE_* and a plugin variable', () => {
    expect(
      cliSetting('/flag', { BUCKET_CACHE_WORKSPACE: '/env' }, 'workspace', 'PLUGIN_LOCAL_ROOT'),
    ).toBe('/flag');
    expect(cliSetting(undefined, { BUCKET_CACHE_WORKSPACE: '/env' }, 'workspace')).toBe('/env');
    expect(
      cliSetting(undefined, { PLUGIN_LOCAL_ROOT: '/p' }, 'workspace', 'PLUGIN_LOCAL_ROOT'),
    ).toBe('/p');
    expect(cliSetting(undefined, {}, 'workspace')).toBeUndefined();
  });

  it('reads switches, a flag overriding the environment either way', () => {
    expect(cliSwitch(undefined, { BUCKET_CACHE_STRICT: 'true' }, 'strict')).toBe(true);
    expect(cliSwitch(false, { BUCKET_CACHE_STRICT: 'true' }, 'strict')).toBe(false);
    expect(cliSwitch(undefined, { PLUGIN_EXIT_CODE: 'true' }, 'strict', 'PLUGIN_EXIT_CODE')).toBe(
      true,
    );
    expect(cliSwitch(undefined, {}, 'strict', 'PLUGIN_EXIT_CODE')).toBe(false);
    expect(() => cliSwitch(undefined, { BUCKET_CACHE_STRICT: 'yes' }, 'strict')).toThrow(
      /BUCKET_CACHE_STRICT must be true or false/,
    );
  });
});
