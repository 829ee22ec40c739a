import type { StorageSettings, TransferSettings } from '../settings.js';
import { AzureBackend } from './azure-backend.js';
import type { Backend } from './backend.js';
import { FsBackend } from './fs-backend.js';
import { S3Backend } from './s3-backend.js';

/** The one place that knows every backend. */
export function createBackend(storage: StorageSettings, transfer: TransferSettings): Backend {
  switch (storage.kind) {
    case 's3':
      return new S3Backend(storage, transfer);
    case 'azure':
      return new AzureBackend(storage, transfer);
    case 'fs':
      return new FsBackend(storage);
  }
}
