import type { StorageSettings, TransferSettings } from '../settings.js';
import type { Backend } from './backend.js';

/**
 * The one place that knows every backend. Each is imported only when chosen: the S3 and Azure
 * SDKs are most of the bundle, and loading both cost every step about 0.15 s before its first
 * request. ncc puts each in its own chunk file beside the bundle.
 */
export async function createBackend(
  storage: StorageSettings,
  transfer: TransferSettings,
): Promise<Backend> {
  switch (storage.kind) {
    case 's3': {
      // Lookups without the SDK where that is provably the same; the SDK loads for transfers.
      const { createS3Backend } = await import('./s3-lookup-backend.js');
      return createS3Backend(storage, transfer);
    }
    case 'azure': {
      const { AzureBackend } = await import('./azure-backend.js');
      return new AzureBackend(storage, transfer);
    }
    case 'fs': {
      const { FsBackend } = await import('./fs-backend.js');
      return new FsBackend(storage);
    }
  }
}
