// Two projects: fast unit tests with fakes, and integration tests against real tar, zstd,
// s3rver, Azurite and the built bundles. ESM throughout, as @actions/* v3 are ESM-only.
const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  setupFiles: ['<rootDir>/__tests__/helpers/setup.ts'],
};

export default {
  reporters: ['default', '<rootDir>/scripts/summary-reporter.mjs'],
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/__tests__/integration/**/*.int.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/__tests__/helpers/slow-setup.ts'],
    },
    // Benchmarks are jest files too, so they reuse the emulator helpers; `npm run bench` only.
    {
      ...shared,
      displayName: 'bench',
      testMatch: ['<rootDir>/bench/**/*.bench.ts'],
      setupFilesAfterEnv: ['<rootDir>/__tests__/helpers/slow-setup.ts'],
    },
  ],
};
