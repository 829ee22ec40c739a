// Raw listing: `node raw-list.mjs PREFIX EXPECTED` lists every object under PREFIX (1,000 a
// page, one page after the other, as ListObjectsV2 requires). The floor for a key lookup.
import { ListObjectsV2Command } from '@aws-sdk/client-s3';

import { rawClient } from './raw-s3-client.mjs';

const [prefix, expected] = process.argv.slice(2);
const { client, bucket } = rawClient();
let count = 0;
let token;
do {
  const page = await client.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
  );
  count += page.KeyCount ?? 0;
  token = page.NextContinuationToken;
} while (token);
if (count !== Number(expected)) throw new Error(`listed ${count} objects, expected ${expected}`);
client.destroy();
