import { globSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

const EXCLUDED = ['node_modules/**', 'cdk.out/**', '.local/**'];

/** Test files that mock nothing, so they can share their worker's modules. */
const SHARED_MODULE_TESTS = [
  'test/local/**/*.test.ts',
  'test/e2e/**/*.test.ts',
  'test/infra/**/*.test.ts',
];

/**
 * What makes a unit test file change the modules or the process it runs in for the files after
 * it: module mocks, spies, the SDK's clients patched (aws-sdk-client-mock), the environment,
 * globals and timers.
 */
const CHANGES_ITS_WORKER =
  /\bvi\.(mock|doMock|spyOn|stubEnv|stubGlobal|useFakeTimers)\b|aws-sdk-client-mock|\bsinon\b|process\.env|globalThis\./;

const ROOT = import.meta.dirname;
const unitTests = globSync('**/*.test.ts', {
  cwd: ROOT,
  exclude: [...EXCLUDED, ...SHARED_MODULE_TESTS],
});
const isolatedUnitTests = unitTests.filter((file) =>
  CHANGES_ITS_WORKER.test(readFileSync(join(ROOT, file), 'utf8')),
);

export default defineConfig({
  test: {
    exclude: EXCLUDED,
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
        // Unit tests that mock or patch (see CHANGES_ITS_WORKER) get a module graph each, in a
        // worker thread per file: a thread costs less to start than a process. Vitest starts the
        // projects' files in the order of their names, the longest first within each: `cloud`,
        // `isolated` (the longest unit files), then the quick `unit` ones last.
        test: {
          name: 'isolated',
          pool: 'threads',
          include: isolatedUnitTests,
        },
      },
      {
        extends: true,
        // The other unit tests share their thread's modules: loading zod, the SDK's clients and
        // vitest's runner once per thread instead of once per file halves their CPU time.
        test: {
          name: 'unit',
          pool: 'threads',
          include: ['**/*.test.ts'],
          exclude: [...EXCLUDED, ...SHARED_MODULE_TESTS, ...isolatedUnitTests],
          isolate: false,
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
