#!/usr/bin/env node
// Starts s3rver behind the test proxy (__tests__/helpers/s3-server.ts) for measurements by hand,
// prints the settings as shell variables, and runs until stdin closes or SIGTERM:
//   node bench/serve-s3.mjs > /tmp/s3.env &  ...  . /tmp/s3.env; node dist/cli/index.js ...
// The helpers are compiled on the fly into .tmp/bench-helpers (two levels below the root, as
// the helpers expect, so they find node_modules/s3rver).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, '.tmp', 'bench-helpers');
const require = createRequire(import.meta.url);
execFileSync(
  process.execPath,
  [
    require.resolve('typescript/bin/tsc'),
    '--outDir',
    out,
    '--rootDir',
    path.join(root, '__tests__', 'helpers'),
    '--module',
    'NodeNext',
    '--moduleResolution',
    'NodeNext',
    '--target',
    'ES2022',
    '--skipLibCheck',
    '--types',
    'node',
    path.join(root, '__tests__', 'helpers', 's3-server.ts'),
  ],
  { stdio: 'inherit' },
);
// tsc emits .js files, but the package root says "type": "module": they are ESM, as written.
const { startS3Server } = await import(pathToFileURL(path.join(out, 's3-server.js')).href);
const s3 = await startS3Server();
console.log(
  [
    `S3_ENDPOINT=${s3.endpoint}`,
    `S3_UPSTREAM=${s3.upstreamEndpoint}`,
    `S3_BUCKET=${s3.bucket}`,
    `AWS_ACCESS_KEY_ID=${s3.accessKeyId}`,
    `AWS_SECRET_ACCESS_KEY=${s3.secretAccessKey}`,
    `AWS_REGION=${s3.region}`,
    `S3_SERVER_PID=${process.pid}`,
  ]
    .map((l) => `export ${l}`)
    .join('\n'),
);
const stop = () => void s3.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop).resume();
