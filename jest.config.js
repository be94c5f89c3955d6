/** Six projects, one run: `npm run test:jest` writes jest's --json results that .ci/run counts. */
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
      // End-to-end in Debian's Chromium (puppeteer-core; CHROMIUM_PATH, else /usr/bin/chromium). The
      // same global setup as integration: jest runs one setup file once, so both share one stack.
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.test.ts'],
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
    {
      // The Stripe App (stripe-app/, React): its views rendered by the SDK's remote-ui test root,
      // which needs no DOM. The SDK ships ES modules in .js files, so it is compiled too.
      displayName: 'stripe-app',
      testMatch: ['<rootDir>/stripe-app/**/*.test.{ts,tsx}'],
      transform: {
        '^.+\\.tsx?$': [
          '@swc/jest',
          { jsc: { target: 'es2022', parser: { syntax: 'typescript', tsx: true }, transform: { react: { runtime: 'automatic' } } }, module: { type: 'commonjs' } },
        ],
        '^.+\\.(js|mjs)$': transform['^.+\\.(ts|js|mjs)$'],
      },
      transformIgnorePatterns: ['/node_modules/(?!(@stripe/ui-extension-sdk)/)'],
      setupFilesAfterEnv: ['<rootDir>/stripe-app/src/test/setup.ts'],
      testEnvironment: 'node',
    },
  ],
};
