// The S3 client of the raw transfer baselines (run as child processes, like the CLI): plain SDK
// requests, no checksums beyond what S3 requires, connection settings from BENCH_S3_* variables.
import { S3Client } from '@aws-sdk/client-s3';

export function rawClient() {
  const e = process.env;
  return {
    bucket: e.BENCH_S3_BUCKET,
    client: new S3Client({
      endpoint: e.BENCH_S3_ENDPOINT,
      region: e.BENCH_S3_REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: e.BENCH_S3_KEY_ID, secretAccessKey: e.BENCH_S3_SECRET },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
  };
}
