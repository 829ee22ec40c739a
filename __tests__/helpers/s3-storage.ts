import type { S3Storage } from '../../src/settings.js';
import type { S3TestServer } from './s3-server.js';

// Apart from s3-server.ts, which bench/serve-s3.mjs compiles on its own (helpers only).
/** The storage settings that reach `server` through its proxy, as a user would write them. */
export function s3Storage(server: S3TestServer): S3Storage {
  return {
    kind: 's3',
    bucket: server.bucket,
    region: server.region,
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    checksum: 'when-required',
  };
}
