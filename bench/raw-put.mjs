#!/usr/bin/env node
// The raw PUT a save is measured against: one multipart upload of a file with lib-storage, as
// an S3 client would do it. Settings from the environment (bench/serve-s3.mjs prints them):
//   node bench/raw-put.mjs FILE [partMiB] [queue]
import { createReadStream } from 'node:fs';

import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

const [file, partMiB = '16', queue = '8'] = process.argv.slice(2);
const client = new S3Client({
  endpoint: process.env.S3_ENDPOINT,
  forcePathStyle: true,
  region: process.env.AWS_REGION ?? 'us-east-1',
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
const t = performance.now();
await new Upload({
  client,
  params: {
    Bucket: process.env.S3_BUCKET,
    Key: `raw-put-${process.pid}`,
    Body: createReadStream(file, { highWaterMark: 1 << 20 }),
  },
  partSize: Number(partMiB) * 2 ** 20,
  queueSize: Number(queue),
}).done();
console.error(`raw put ${((performance.now() - t) / 1000).toFixed(2)} s`);
client.destroy();
