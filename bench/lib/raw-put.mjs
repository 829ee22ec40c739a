// Raw multipart PUT: `node raw-put.mjs FILE KEY PART_SIZE CONCURRENCY` uploads a file in parts
// read straight from disk, CONCURRENCY at a time, and completes the upload. The upload limit the
// CLI's save is held to.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';

import { rawClient } from './raw-s3-client.mjs';

const [file, key, partArg, concurrencyArg] = process.argv.slice(2);
const partSize = Number(partArg);
const { size } = await stat(file);
const { client, bucket } = rawClient();
const { UploadId } = await client.send(
  new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
);
const count = Math.max(1, Math.ceil(size / partSize));
const parts = [];
let next = 0;
const worker = async () => {
  for (let n = next++; n < count; n = next++) {
    const start = n * partSize;
    const end = Math.min(size, start + partSize);
    const res = await client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        PartNumber: n + 1,
        ContentLength: end - start,
        Body: createReadStream(file, { start, end: end - 1 }),
      }),
    );
    parts[n] = { PartNumber: n + 1, ETag: res.ETag };
  }
};
await Promise.all(Array.from({ length: Number(concurrencyArg) }, worker));
await client.send(
  new CompleteMultipartUploadCommand({
    Bucket: bucket,
    Key: key,
    UploadId,
    MultipartUpload: { Parts: parts },
  }),
);
client.destroy();
