import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';

import type { LinkShape } from './link-shaper.js';
import { S3Proxy } from './s3-proxy.js';

export interface S3TestServer {
  /** The proxy in front of s3rver: what tests talk to. */
  endpoint: string;
  /** s3rver itself, without the proxy's fixes and faults (benchmarks). */
  upstreamEndpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  proxy: S3Proxy;
  /** s3rver's storage directory: objects are files whose mtime is their LastModified. */
  dataDir: string;
  /** s3rver's process id (benchmarks read its CPU time). */
  pid: number;
  stop(): Promise<void>;
}

export interface S3ServerOptions {
  /** The proxy's link shape at start (see S3Proxy.shape). */
  shape?: LinkShape;
  /** Keep the data in this directory, and leave it there on stop (benchmark fixtures). */
  dir?: string;
  /** The bucket's name; default a fresh random one. */
  bucket?: string;
}

const S3RVER = fileURLToPath(new URL('../../node_modules/s3rver/lib/s3rver.js', import.meta.url));

// Runs in the child. It exits when its stdin closes, so it cannot outlive a crashed test run.
const LAUNCHER = `
const S3rver = require(process.env.S3RVER_MAIN);
new S3rver({
  address: '127.0.0.1', port: 0, silent: true,
  directory: process.env.S3RVER_DIR,
  configureBuckets: [{ name: process.env.S3RVER_BUCKET }],
}).run().then(({ port }) => console.log('port=' + port), (e) => { console.error(e); process.exit(1); });
process.stdin.on('end', () => process.exit(0)).resume();
`;

/**
 * s3rver 3.7.1 in a child process on a free loopback port, with a fresh bucket and a temp dir,
 * behind S3Proxy (signature checks, conditional writes, multipart clean-up, ranges, faults). A child process because s3rver's continuation tokens use DES, which Node 20
 * refuses without --openssl-legacy-provider (listing past one page fails with HTTP 500).
 */
export async function startS3Server(options: S3ServerOptions = {}): Promise<S3TestServer> {
  const keep = options.dir !== undefined;
  const dir = keep ? options.dir! : await mkdtemp(path.join(tmpdir(), 's3rver-'));
  if (keep) await mkdir(dir, { recursive: true });
  const bucket = options.bucket ?? `test-${randomBytes(4).toString('hex')}`;
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', LAUNCHER], {
    env: { ...process.env, S3RVER_MAIN: S3RVER, S3RVER_DIR: dir, S3RVER_BUCKET: bucket },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit');
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let stopping = false;
  const stopChild = async (): Promise<void> => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    if (!keep) await rm(dir, { recursive: true, force: true });
  };

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        const m = /port=(\d+)/.exec((out += d.toString()));
        if (m) resolve(Number(m[1]));
      });
      void exited.then(() => reject(new Error(`s3rver exited before listening: ${stderr}`)));
      setTimeout(
        () => reject(new Error(`s3rver did not start in 20 s: ${stderr}`)),
        20_000,
      ).unref();
    });
  } catch (err) {
    await stopChild();
    throw err;
  }
  // A crash mid-suite otherwise shows only as "socket hang up" from every later request.
  void exited.then(([code, signal]) => {
    if (!stopping) console.error(`s3rver exited during the tests (${signal ?? code}): ${stderr}`);
  });
  const account = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }; // s3rver's built-in one
  const proxy = await S3Proxy.start({ port, dataDir: dir, ...account }, options.shape);
  return {
    endpoint: proxy.endpoint,
    upstreamEndpoint: `http://127.0.0.1:${port}`,
    bucket,
    region: 'us-east-1',
    ...account,
    proxy,
    dataDir: dir,
    pid: child.pid!,
    stop: async () => {
      await proxy.close();
      await stopChild();
    },
  };
}

/**
 * Leave a multipart upload of `name` open with one part, as a save killed between its parts and
 * its commit does. Talks to the proxy (which lists and aborts uploads) with a plain client.
 */
export async function abandonS3Upload(server: S3TestServer, name: string): Promise<string> {
  return withClient(server, async (client) => {
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: server.bucket, Key: name }),
    );
    await client.send(
      new UploadPartCommand({
        Bucket: server.bucket,
        Key: name,
        UploadId,
        PartNumber: 1,
        Body: randomBytes(1024),
      }),
    );
    return UploadId!;
  });
}

/** Delete every object in the bucket, through the proxy (benchmarks free the disk this way). */
export async function emptyS3Bucket(server: S3TestServer): Promise<void> {
  await withClient(server, async (client) => {
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: server.bucket, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        await client.send(new DeleteObjectCommand({ Bucket: server.bucket, Key: o.Key }));
      }
      token = page.NextContinuationToken;
    } while (token);
  });
}

/** A plain SDK client of the proxy for `use`, destroyed afterwards. */
async function withClient<T>(server: S3TestServer, use: (c: S3Client) => Promise<T>): Promise<T> {
  const client = new S3Client({
    region: server.region,
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
  try {
    return await use(client);
  } finally {
    client.destroy();
  }
}

/**
 * Move the LastModified of every object under `prefix`, and the start of every open multipart
 * upload of a name under it, `ms` into the past: the store ages as days pass, within a test.
 */
export async function ageS3(server: S3TestServer, prefix: string, ms: number): Promise<void> {
  const shift = async (file: string): Promise<void> => {
    const st = await stat(file);
    const t = new Date(st.mtimeMs - ms);
    await utimes(file, t, t);
  };
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('._S3rver_object')) await shift(p);
    }
  };
  await walk(path.join(server.dataDir, server.bucket, prefix));
  for (const u of await server.proxy.openUploads(server.bucket)) {
    if (u.key.startsWith(prefix)) await shift(u.keyFile);
  }
}
