import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'cdk.out/**', '.local/**'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
  },
});
