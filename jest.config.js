/** Four projects, one run: `npm run test:jest` writes jest's --json results that .ci/run counts. */
const transform = { '^.+\\.(ts|js|mjs)$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] };
// Some dependencies ship only ES modules (middy); jest on Node 20 loads CommonJS, so those are compiled too.
const transformIgnorePatterns = ['/node_modules/(?!(@middy)/)'];

const setupFiles = ['<rootDir>/test/support/env.ts'];

/** @type {import('jest').Config} */
module.exports = {
  // Per-project testTimeout is not read by jest; this global one is.
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      transform,
      transformIgnorePatterns,
      setupFiles,
      testEnvironment: 'node',
    },
    {
      // The Stripe emulator's own contract tests: the real stripe SDK against an in-process emulator.
      displayName: 'emulator',
      testMatch: ['<rootDir>/test/emulator/**/*.test.ts'],
      transform,
      transformIgnorePatterns,
      setupFiles,
      testEnvironment: 'node',
    },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      transform,
      transformIgnorePatterns,
      setupFiles,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
    {
      displayName: 'infra',
      testMatch: ['<rootDir>/test/infra/**/*.test.ts'],
      transform,
      transformIgnorePatterns,
      setupFiles,
      testEnvironment: 'node',
    },
  ],
};
