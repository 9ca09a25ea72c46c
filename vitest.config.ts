import { defineConfig } from 'vitest/config';

/** Test files that mock nothing, so they can share their worker's modules. */
const SHARED_MODULE_TESTS = [
  'test/local/**/*.test.ts',
  'test/e2e/**/*.test.ts',
  'test/infra/**/*.test.ts',
];

export default defineConfig({
  test: {
    exclude: ['node_modules/**', 'cdk.out/**', '.local/**'],
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Vitest's default leaves one core of the machine free: on 2 cores, one file at a time.
    maxWorkers: 2,
    // Bounds that only end a hung test or hook: on a loaded machine, synthesizing the stack or
    // starting the local cloud alone can take most of a minute.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    projects: [
      {
        extends: true,
        // Unit tests mock the AWS SDK's clients (aws-sdk-client-mock patches them for the whole
        // module graph), so each file gets its own. Every test file not listed below is here.
        // A worker thread per file costs less to start than a process: 29 s instead of 43 s.
        test: {
          name: 'unit',
          pool: 'threads',
          include: ['**/*.test.ts'],
          exclude: ['node_modules/**', 'cdk.out/**', '.local/**', ...SHARED_MODULE_TESTS],
        },
      },
      {
        extends: true,
        // The local cloud, the CDK app and the end-to-end runs mock nothing: their files share
        // a worker's modules (aws-cdk-lib, the SDK) instead of loading them once per file.
        test: {
          name: 'cloud',
          include: SHARED_MODULE_TESTS,
          isolate: false,
        },
      },
    ],
  },
});
