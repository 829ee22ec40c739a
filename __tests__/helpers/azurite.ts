import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

import {
  ContainerClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';

import { freePort, waitFor } from './net.js';

/** Azurite's fixed development account, published in its README. */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  /** Blob service URL, path style: `http://127.0.0.1:<port>/devstoreaccount1`. */
  endpoint: string;
  accountName: string;
  accountKey: string;
  connectionString: string;
  /** A container created at start. */
  container: string;
  /** A container-scoped SAS (no leading '?') with `permissions` (e.g. 'racwdl'), valid until `expiresOn`. */
  sasToken(permissions: string, expiresOn?: Date, container?: string): string;
  /** A client with the account key, for test setup and inspection. */
  containerClient(container?: string): ContainerClient;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  /** Keep blobs on disk in this directory instead of in memory (for very large benches). */
  location?: string;
}

const AZURITE_BLOB = fileURLToPath(
  new URL('../../node_modules/azurite/dist/src/blob/main.js', import.meta.url),
);

/** Start Azurite's blob service as a child process on a free loopback port. */
export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  const port = await freePort();
  const storage = options.location ? ['--location', options.location] : ['--inMemoryPersistence'];
  // --skipApiVersionCheck: @azure/storage-blob 12.32 sends an API version Azurite 3.35 rejects.
  const args = [
    AZURITE_BLOB,
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(port),
    ...storage,
    '--skipApiVersionCheck',
    '--loose',
    '--silent',
    '--disableTelemetry',
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`azurite exited: ${stderr}`);
        return canConnect(port);
      },
      30_000,
      `azurite on port ${port}`,
    );
  } catch (err) {
    await kill(child, exited);
    throw err;
  }

  const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const credential = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);
  const container = `test-${randomBytes(4).toString('hex')}`;
  const containerClient = (name = container): ContainerClient =>
    new ContainerClient(`${endpoint}/${name}`, credential, { retryOptions: { maxTries: 1 } });
  await containerClient().create();

  return {
    endpoint,
    accountName: AZURITE_ACCOUNT,
    accountKey: AZURITE_KEY,
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};` +
      `AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint};`,
    container,
    containerClient,
    sasToken: (permissions, expiresOn = new Date(Date.now() + 3_600_000), name = container) =>
      generateBlobSASQueryParameters(
        {
          containerName: name,
          permissions: ContainerSASPermissions.parse(permissions),
          startsOn: new Date(Math.min(Date.now(), expiresOn.getTime()) - 3_600_000),
          expiresOn,
        },
        credential,
      ).toString(),
    stop: () => kill(child, exited),
  };
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function kill(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Stage one block under `name` and never commit it, as a save killed before its commit does. */
export async function abandonAzureBlocks(client: ContainerClient, name: string): Promise<void> {
  const id = Buffer.from(`abandoned-${randomBytes(4).toString('hex')}`).toString('base64');
  await client.getBlockBlobClient(name).stageBlock(id, randomBytes(1024), 1024);
}
