import { StorageError, TimeoutError } from '../../../src/errors.js';
import { choosePartSize, MAX_PARTS, MIN_PART_SIZE } from '../../../src/storage/s3-backend.js';
import { describeS3Error, type S3ErrorContext } from '../../../src/storage/s3-errors.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('choosePartSize', () => {
  test('keeps the configured size when the length is unknown or small', () => {
    expect(choosePartSize(8 * MiB)).toBe(8 * MiB);
    expect(choosePartSize(8 * MiB, 10 * GiB)).toBe(8 * MiB);
    expect(choosePartSize(8 * MiB, MAX_PARTS * 8 * MiB)).toBe(8 * MiB);
  });

  test("never goes below S3's 5 MiB minimum", () => {
    expect(choosePartSize(1 * MiB)).toBe(MIN_PART_SIZE);
    expect(choosePartSize(0, 0)).toBe(MIN_PART_SIZE);
  });

  test('grows to whole MiB so a known size fits in 10,000 parts', () => {
    expect(choosePartSize(8 * MiB, MAX_PARTS * 8 * MiB + 1)).toBe(9 * MiB);
    expect(choosePartSize(8 * MiB, 100 * GiB)).toBe(11 * MiB); // 10.24 MiB rounded up
    expect(choosePartSize(16 * MiB, 5 * 1024 * GiB)).toBe(525 * MiB); // S3's 5 TiB maximum
  });

  test.each([1, 49 * GiB, 78 * GiB + 7, 500 * GiB + 12_345, 5 * 1024 * GiB])(
    'size %d needs at most 10,000 parts',
    (size) => {
      expect(Math.ceil(size / choosePartSize(8 * MiB, size))).toBeLessThanOrEqual(MAX_PARTS);
    },
  );
});

// Errors shaped like the SDK's: a service exception carries name (the S3 code), $fault,
// $metadata and a hidden $response; a network failure is a Node error with a code.
function serviceError(
  code: string,
  status: number,
  message: string,
  extra: { headers?: Record<string, string>; fields?: Record<string, string> } = {},
): Error {
  const err = Object.assign(new Error(message), {
    name: code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, attempts: 1 },
    ...extra.fields,
  });
  Object.defineProperty(err, '$response', {
    value: { statusCode: status, headers: extra.headers ?? {}, body: undefined },
    enumerable: false,
  });
  return err;
}

function networkError(code: string, message: string, extra: object = {}): Error {
  return Object.assign(new Error(message), { code, $metadata: { attempts: 4 } }, extra);
}

function ctx(
  over: Partial<S3ErrorContext> = {},
  storage: Partial<S3ErrorContext['storage']> = {},
): S3ErrorContext {
  return {
    operation: 'list',
    bucket: 'ci-cache',
    name: 'cache/owner/repo/',
    storage: { region: 'us-east-1', forcePathStyle: false, checksum: 'when-supported', ...storage },
    ...over,
  };
}

function hintOf(err: Error, c: S3ErrorContext = ctx()): string | undefined {
  const mapped = describeS3Error(err, c);
  expect(mapped).toBeInstanceOf(StorageError);
  return (mapped as StorageError).hint;
}

describe('describeS3Error: credentials', () => {
  test('an unknown access key names aws-access-key-id', () => {
    const err = serviceError(
      'InvalidAccessKeyId',
      403,
      'The AWS Access Key Id you provided does not exist in our records.',
    );
    expect(hintOf(err)).toMatch(/access key ID is unknown to AWS: check aws-access-key-id/);
  });

  test('a wrong secret names aws-secret-access-key', () => {
    const err = serviceError(
      'SignatureDoesNotMatch',
      403,
      'The request signature we calculated does not match',
    );
    expect(hintOf(err)).toMatch(/check aws-secret-access-key/);
  });

  test('an expired session names the token and the session length', () => {
    const err = serviceError('ExpiredToken', 400, 'The provided token has expired.');
    expect(hintOf(err)).toMatch(/aws-session-token.*role-duration-seconds/);
  });

  test('no credentials at all points at configure-aws-credentials', () => {
    const err = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    expect(hintOf(err)).toMatch(/aws-actions\/configure-aws-credentials/);
  });

  test('the message keeps the operation, the object and the S3 code; the cause is kept', () => {
    const err = serviceError('SignatureDoesNotMatch', 403, 'signature mismatch');
    const mapped = describeS3Error(err, ctx({ operation: 'get', name: 'a/b.tzst' }));
    expect(mapped.message).toBe(
      'S3 get s3://ci-cache/a/b.tzst failed (SignatureDoesNotMatch, HTTP 403): signature mismatch',
    );
    expect(mapped.cause).toBe(err);
  });
});

describe('describeS3Error: permissions', () => {
  const denied = (): Error => serviceError('AccessDenied', 403, 'Access Denied');

  test.each([
    ['list', 's3:ListBucket on arn:aws:s3:::ci-cache.'],
    ['get', 's3:GetObject on arn:aws:s3:::ci-cache/k'],
    ['put', 's3:PutObject on arn:aws:s3:::ci-cache/k (and s3:AbortMultipartUpload'],
    ['delete', 's3:DeleteObject on arn:aws:s3:::ci-cache/k'],
  ] as const)('%s names %s', (operation, permission) => {
    const hint = hintOf(denied(), ctx({ operation, name: operation === 'list' ? 'p/' : 'k' }));
    expect(hint).toContain(permission);
    expect(hint).not.toMatch(/aws-secret-access-key/); // the store said AccessDenied: keys are fine
  });

  test('SSE-KMS adds the KMS permissions', () => {
    const hint = hintOf(denied(), ctx({ operation: 'put' }, { sse: { type: 'aws:kms' } }));
    expect(hint).toMatch(/kms:Decrypt, and kms:GenerateDataKey to save/);
  });

  test('a bodiless 403 on HEAD names both the permission and the keys', () => {
    const err = serviceError('Unknown', 403, 'UnknownError');
    const mapped = describeS3Error(err, ctx({ operation: 'stat', name: 'k' })) as StorageError;
    expect(mapped.message).toBe('S3 stat s3://ci-cache/k failed (HTTP 403)');
    expect(mapped.hint).toMatch(/lack s3:GetObject on arn:aws:s3:::ci-cache\/k/);
    expect(mapped.hint).toMatch(/aws-access-key-id and aws-secret-access-key/);
  });
});

describe('describeS3Error: bucket and region', () => {
  test('a missing bucket names s3-bucket, and s3-endpoint for custom stores', () => {
    const err = serviceError('NoSuchBucket', 404, 'The specified bucket does not exist');
    expect(hintOf(err)).toBe('Bucket "ci-cache" does not exist: check s3-bucket (and s3-region).');
    expect(hintOf(err, ctx({}, { endpoint: 'https://minio.example:9000' }))).toBe(
      'Bucket "ci-cache" does not exist at https://minio.example:9000: check s3-bucket and s3-endpoint.',
    );
  });

  test('a PermanentRedirect names the region from x-amz-bucket-region', () => {
    const err = serviceError(
      'PermanentRedirect',
      301,
      'The bucket you are attempting to access must be addressed using the specified endpoint.',
      {
        headers: { 'x-amz-bucket-region': 'eu-west-1' },
        fields: { Endpoint: 'ci-cache.s3.eu-west-1.amazonaws.com' },
      },
    );
    expect(hintOf(err)).toBe(
      'The bucket is in eu-west-1, not us-east-1: set s3-region: eu-west-1.',
    );
  });

  test('a bodiless 301 on HEAD still finds the region header', () => {
    const err = serviceError('Unknown', 301, 'UnknownError', {
      headers: { 'x-amz-bucket-region': 'ap-southeast-2' },
    });
    expect(hintOf(err, ctx({ operation: 'stat' }, { region: undefined }))).toBe(
      'The bucket is in ap-southeast-2: set s3-region: ap-southeast-2.',
    );
  });

  test('AuthorizationHeaderMalformed: the Region element, or the region named in the message', () => {
    const withField = serviceError('AuthorizationHeaderMalformed', 400, 'malformed', {
      fields: { Region: 'eu-central-1' },
    });
    expect(hintOf(withField)).toMatch(/set s3-region: eu-central-1\.$/);
    const inText = serviceError(
      'AuthorizationHeaderMalformed',
      400,
      "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'sa-east-1'",
    );
    expect(hintOf(inText)).toMatch(/set s3-region: sa-east-1\.$/);
  });

  test('a redirect without a region still says to set s3-region', () => {
    const err = serviceError('PermanentRedirect', 301, 'moved');
    expect(hintOf(err)).toBe(
      "The bucket is in another region, not us-east-1: set s3-region to the bucket's region.",
    );
  });

  test('a missing region names s3-region', () => {
    expect(hintOf(new Error('Region is missing'))).toMatch(/set s3-region/);
  });
});

describe('describeS3Error: network and TLS', () => {
  const minio = { endpoint: 'http://minio.internal:9000' };

  test('an unresolvable bucket.host on a custom endpoint asks for path style', () => {
    const err = networkError('ENOTFOUND', 'getaddrinfo ENOTFOUND ci-cache.minio.internal', {
      hostname: 'ci-cache.minio.internal',
    });
    expect(hintOf(err, ctx({}, minio))).toMatch(
      /ci-cache\.minio\.internal does not resolve.*set s3-force-path-style: true/,
    );
  });

  test('an unresolvable host with path style already on points at s3-endpoint', () => {
    const err = networkError('ENOTFOUND', 'getaddrinfo ENOTFOUND minio.internal', {
      hostname: 'minio.internal',
    });
    const hint = hintOf(err, ctx({}, { ...minio, forcePathStyle: true }));
    expect(hint).toMatch(/minio\.internal does not resolve: check s3-endpoint/);
    expect(hint).not.toMatch(/force-path-style/);
  });

  test('the code and host are read from the message when the SDK dropped them', () => {
    const err = Object.assign(
      new Error('AWS SDK error wrapper for Error: getaddrinfo ENOTFOUND ci-cache.minio.internal'),
      {
        $metadata: {},
      },
    );
    expect(hintOf(err, ctx({}, minio))).toMatch(/set s3-force-path-style: true/);
  });

  test('a refused connection (also wrapped in an AggregateError) names the endpoint', () => {
    const refused = networkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9000');
    expect(hintOf(refused, ctx({}, minio))).toBe(
      'Nothing accepts connections at http://minio.internal:9000: check s3-endpoint (scheme, host and port) and that the store is running.',
    );
    const aggregate = new AggregateError(
      [refused, networkError('ECONNREFUSED', 'connect ECONNREFUSED ::1:9000')],
      '',
    );
    expect(hintOf(aggregate, ctx({}, minio))).toMatch(/^Nothing accepts connections/);
  });

  test.each([
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
  ])('an untrusted certificate (%s) names NODE_EXTRA_CA_CERTS', (code) => {
    expect(hintOf(networkError(code, 'self-signed certificate in certificate chain'))).toMatch(
      /NODE_EXTRA_CA_CERTS/,
    );
  });

  test('a certificate that does not cover the virtual host asks for path style', () => {
    const err = networkError(
      'ERR_TLS_CERT_ALTNAME_INVALID',
      "Hostname/IP does not match certificate's altnames",
    );
    expect(hintOf(err, ctx({ bucket: 'my.dotted.bucket' }))).toMatch(/s3-force-path-style: true/);
    expect(hintOf(err, ctx({}, { forcePathStyle: true }))).toMatch(/check s3-endpoint/);
  });

  test('plain HTTP spoken to a TLS client points at the scheme', () => {
    const err = networkError(
      'EPROTO',
      'write EPROTO 00000000:error:0A00010B:SSL routines::wrong version number',
    );
    expect(hintOf(err)).toMatch(/scheme in s3-endpoint/);
  });

  test('timeouts become TimeoutError', () => {
    const err = Object.assign(
      new Error('the request socket timed out after 500 ms of inactivity'),
      {
        name: 'TimeoutError',
      },
    );
    const mapped = describeS3Error(err, {
      ...ctx({ operation: 'get', name: 'k' }),
      stallTimeoutMs: 500,
    });
    expect(mapped).toBeInstanceOf(TimeoutError);
    expect(mapped.message).toMatch(/^S3 get s3:\/\/ci-cache\/k: no progress for 0.5 s/);
  });
});

describe('describeS3Error: store quirks', () => {
  const rejected = (): Error =>
    serviceError(
      'NotImplemented',
      501,
      'Header x-amz-checksum-crc32 with value 123 not implemented',
    );

  test('a store that rejects default checksums gets the s3-checksum switch', () => {
    expect(hintOf(rejected(), ctx({ operation: 'put' }))).toMatch(/set s3-checksum: when-required/);
  });

  test('with when-required already set, the switch is not suggested again', () => {
    const hint = hintOf(rejected(), ctx({ operation: 'put' }, { checksum: 'when-required' }));
    expect(hint).toMatch(/does not implement this request \(put, possibly If-None-Match/);
  });

  test('throttling suggests lower concurrency', () => {
    expect(hintOf(serviceError('SlowDown', 503, 'Please reduce your request rate.'))).toMatch(
      /lower concurrency/,
    );
  });

  test('anything else is a StorageError without a hint, keeping what the store said', () => {
    const mapped = describeS3Error(
      serviceError('InternalError', 500, 'We encountered an internal error.'),
      ctx(),
    );
    expect(mapped).toBeInstanceOf(StorageError);
    expect((mapped as StorageError).hint).toBeUndefined();
    expect(mapped.message).toMatch(
      /\(InternalError, HTTP 500\): We encountered an internal error\.$/,
    );
  });
});
