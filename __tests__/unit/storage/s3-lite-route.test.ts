import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

import type { S3Storage } from '../../../src/settings.js';
import { headTarget, listTarget } from '../../../src/storage/s3-lite.js';
import { type LiteRoute, routeLookups } from '../../../src/storage/s3-lite-route.js';

const credentials = { accessKeyId: 'AKID', secretAccessKey: 'SECRET' };
const noFiles = (): boolean => false;

function storage(over: Partial<S3Storage>): S3Storage {
  return {
    kind: 's3',
    bucket: 'my-bucket',
    region: 'eu-west-1',
    forcePathStyle: false,
    credentials,
    checksum: 'when-supported',
    ...over,
  };
}

function route(s: S3Storage, env: Record<string, string> = {}): LiteRoute {
  const decision = routeLookups(s, env, noFiles);
  if (!('route' in decision)) throw new Error(`expected a route, got: ${decision.sdk}`);
  return decision.route;
}

interface Sent {
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query: Record<string, string>;
  host: string;
  scope: string;
}

/**
 * What the real S3 client sends for `command` with `s`, as S3Backend configures it: captured by
 * a transport that records the signed request and fails it (a client error, so no retry).
 */
async function sdkSends(
  s: S3Storage,
  command: HeadObjectCommand | ListObjectsV2Command,
): Promise<Sent> {
  let sent: Sent | undefined;
  const client = new S3Client({
    region: s.region,
    endpoint: s.endpoint,
    forcePathStyle: s.forcePathStyle,
    credentials: s.credentials,
    requestHandler: {
      handle: (req: {
        protocol: string;
        hostname: string;
        port?: number;
        path: string;
        query?: Record<string, string>;
        headers: Record<string, string>;
      }) => {
        // x-id names the operation for the SDK's own routing; stores ignore it.
        const query = { ...req.query };
        delete query['x-id'];
        sent = {
          protocol: req.protocol,
          hostname: req.hostname,
          port: req.port,
          path: req.path,
          query,
          host: req.headers.host!,
          scope: /Credential=[^/]+\/\d+\/([^,]+),/.exec(req.headers.authorization ?? '')![1]!,
        };
        return Promise.reject(Object.assign(new Error('captured'), { name: 'Captured' }));
      },
    },
  });
  await expect(client.send(command as HeadObjectCommand)).rejects.toThrow('captured');
  client.destroy();
  return sent!;
}

function liteSends(r: LiteRoute, target: ReturnType<typeof headTarget>): Sent {
  return {
    protocol: r.protocol,
    hostname: r.hostname,
    port: r.port,
    path: target.path,
    query: target.query,
    host: r.host,
    scope: `${r.region}/s3/aws4_request`,
  };
}

const stores: [string, Partial<S3Storage>][] = [
  [
    'loopback, path style',
    { endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, region: 'us-east-1' },
  ],
  [
    'custom https host, virtual hosted',
    { endpoint: 'https://minio.example.com', region: 'us-east-1' },
  ],
  [
    'custom http host and port, virtual hosted',
    { endpoint: 'http://minio.internal:9000', region: 'us-east-1' },
  ],
  [
    'custom host and port, path style, dotted bucket',
    {
      endpoint: 'https://store.example.com:8443',
      forcePathStyle: true,
      bucket: 'My_Bucket.v2',
      region: 'auto',
    },
  ],
  [
    'custom endpoint with a trailing slash',
    { endpoint: 'http://localhost:9000/', forcePathStyle: true, region: 'us-east-1' },
  ],
  ['AWS eu-west-1', {}],
  ['AWS us-east-1', { region: 'us-east-1' }],
  ['AWS us-east-1, path style', { region: 'us-east-1', forcePathStyle: true }],
  ['AWS ap-southeast-2, path style', { region: 'ap-southeast-2', forcePathStyle: true }],
];
const key = 'pre/fix/ke y+1%2F&<>\'"(!)*~é😀';

describe('routeLookups sends what the S3 client sends', () => {
  test.each(stores)('%s: HeadObject', async (_name, over) => {
    const s = storage(over);
    const sdk = await sdkSends(s, new HeadObjectCommand({ Bucket: s.bucket, Key: key }));
    expect(liteSends(route(s), headTarget(route(s), key))).toEqual(sdk);
  });

  test.each(stores)('%s: ListObjectsV2 with a token and a page size', async (_name, over) => {
    const s = storage(over);
    const sdk = await sdkSends(
      s,
      new ListObjectsV2Command({
        Bucket: s.bucket,
        Prefix: key,
        ContinuationToken: 't+/=',
        MaxKeys: 1,
      }),
    );
    expect(liteSends(route(s), listTarget(route(s), key, 't+/=', 1))).toEqual(sdk);
  });

  test('ListObjectsV2 of an empty prefix', async () => {
    const s = storage({});
    const sdk = await sdkSends(s, new ListObjectsV2Command({ Bucket: s.bucket, Prefix: '' }));
    expect(liteSends(route(s), listTarget(route(s), ''))).toEqual(sdk);
  });
});

describe('routeLookups leaves to the SDK what only the SDK knows', () => {
  const sdk = (
    s: S3Storage,
    env: Record<string, string> = {},
    files: (f: string) => boolean = noFiles,
  ): string => {
    const d = routeLookups(s, env, files);
    return 'sdk' in d ? d.sdk : 'lite';
  };

  test('static credentials from inputs, or from the environment as the SDK reads them', () => {
    expect(sdk(storage({}))).toBe('lite');
    const envOnly = storage({ credentials: undefined });
    expect(sdk(envOnly)).toMatch(/no static credentials/);
    expect(sdk(envOnly, { AWS_ACCESS_KEY_ID: 'a' })).toMatch(/no static credentials/);
    const both = { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_SESSION_TOKEN: 't' };
    const d = routeLookups(envOnly, both, noFiles);
    expect('route' in d && d.route.credentials).toEqual({
      accessKeyId: 'a',
      secretAccessKey: 'b',
      sessionToken: 't',
    });
    // Inputs win over the environment, as in S3Backend (credentials given to the client).
    const withInputs = routeLookups(storage({}), both, noFiles);
    expect('route' in withInputs && withInputs.route.credentials).toEqual(credentials);
  });

  test.each([
    'AWS_PROFILE',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_ROLE_ARN',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_USE_FIPS_ENDPOINT',
    'AWS_USE_DUALSTACK_ENDPOINT',
    'AWS_ENDPOINT_URL',
    'AWS_ENDPOINT_URL_S3',
    'AWS_RETRY_MODE',
    'AWS_CONFIG_FILE',
    'AWS_S3_US_EAST_1_REGIONAL_ENDPOINT',
    'AWS_DISABLE_CLOCK_SKEW_CORRECTION',
  ])('%s set: the SDK', (name) => {
    expect(sdk(storage({}), { [name]: 'x' })).toBe(`${name} is set`);
  });

  test('variables that change nothing keep the lookups light', () => {
    const env = {
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_CA_BUNDLE: '/x',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    expect(sdk(storage({}), env)).toBe('lite');
  });

  test('a shared config or credentials file: the SDK', () => {
    const env = { HOME: '/home/runner' };
    expect(sdk(storage({}), env, (f) => f === '/home/runner/.aws/config')).toMatch(/config exists/);
    expect(sdk(storage({}), env, (f) => f === '/home/runner/.aws/credentials')).toMatch(
      /credentials exists/,
    );
  });

  test('endpoints, regions and buckets the SDK resolves by its rule set', () => {
    expect(sdk(storage({ region: undefined }))).toMatch(/no region/);
    expect(sdk(storage({ region: 'cn-north-1' }))).toMatch(/outside the aws partition/);
    expect(sdk(storage({ region: 'us-gov-west-1' }))).toMatch(/outside the aws partition/);
    expect(sdk(storage({ bucket: 'dotted.bucket' }))).toMatch(/host name/);
    expect(sdk(storage({ bucket: 'arn:aws:s3:eu-west-1:123:accesspoint/x' }))).toMatch(/bucket/);
    expect(sdk(storage({ endpoint: 'https://host/base', forcePathStyle: true }))).toMatch(/path/);
    expect(sdk(storage({ endpoint: 'http://[::1]:9000', forcePathStyle: true }))).toMatch(/IPv6/);
    expect(sdk(storage({ endpoint: 'http://10.0.0.1:9000' }))).toMatch(/host name/);
  });
});
