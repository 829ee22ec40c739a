import { jest } from '@jest/globals';

// jest-circus reads testTimeout only at the top level, so projects with slow tests set it here.
jest.setTimeout(Number(process.env.BUCKET_CACHE_TEST_TIMEOUT_MS ?? 180_000));
