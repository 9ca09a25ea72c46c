import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'cdk.out/**', '.local/**'],
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Bounds that only end a hung test or hook: on a loaded machine, synthesizing the stack or
    // starting the local cloud alone can take most of a minute.
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
