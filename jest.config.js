// Two projects: fast unit/API tests, and browser tests that run the real app in Chromium
// against a real livekit-server (started once in globalSetup).
import { existsSync } from 'node:fs';

const tsJest = ['ts-jest', { useESM: true, isolatedModules: true, tsconfig: 'tsconfig.json' }];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': tsJest },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
};

export default {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/server/tests/**/*.test.ts', '<rootDir>/wasm/tests/**/*.test.ts', '<rootDir>/scripts/tests/**/*.test.ts'],
    },
    // Jest validates every project's globalSetup even under --selectProjects unit, so the
    // browser project is listed only where its harness exists (branches without client/).
    ...(existsSync(new URL('./client/tests/harness/globalSetup.ts', import.meta.url)) ? [{
      ...common,
      displayName: 'browser',
      testMatch: ['<rootDir>/client/tests/**/*.spec.ts'],
      globalSetup: '<rootDir>/client/tests/harness/globalSetup.ts',
      globalTeardown: '<rootDir>/client/tests/harness/globalTeardown.ts',
      testTimeout: 120000,
      maxWorkers: 1,
    }] : []),
  ],
};
