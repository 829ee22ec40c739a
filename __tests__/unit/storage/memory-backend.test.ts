import { describeBackendContract } from '../../helpers/backend-contract.js';
import { MemoryBackend } from '../../helpers/memory-backend.js';

describeBackendContract('memory', () => new MemoryBackend(), {
  paging: true,
  abandonUpload: (backend, name) => {
    (backend as MemoryBackend).abandonUpload(name);
    return Promise.resolve();
  },
});
