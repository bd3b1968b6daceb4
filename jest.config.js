// Quiet the server's request logs in tests unless asked for (MUSE_LOG_LEVEL=info).
process.env.MUSE_LOG_LEVEL ??= 'warn';

// Two projects: fast unit/API tests, and browser tests that run the real app in Chromium
// against a real livekit-server (started once in globalSetup).
const tsJest = ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': tsJest },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
};

export default {
  // The browser tests share one livekit-server and its fixed ports: one test file at a time.
  maxWorkers: 1,
  // Browser tests wait for real media; unit tests finish far sooner.
  testTimeout: 120000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/server/tests/**/*.test.ts', '<rootDir>/wasm/tests/**/*.test.ts', '<rootDir>/scripts/tests/**/*.test.ts', '<rootDir>/client/tests/unit/**/*.test.ts', '<rootDir>/client/src/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'browser',
      testMatch: ['<rootDir>/client/tests/**/*.spec.ts'],
      globalSetup: '<rootDir>/client/tests/harness/globalSetup.mjs',
      globalTeardown: '<rootDir>/client/tests/harness/globalTeardown.mjs',
    },
  ],
};
