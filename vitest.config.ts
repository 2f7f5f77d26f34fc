import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'examples/**/*.test.ts', 'test/**/*.test.ts'],
    setupFiles: ['src/testing/fd-leak-setup.ts'],
    globalSetup: ['src/testing/bundle-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Kernel tests attach to shared hooks and count events; running files one at a time keeps
    // the counts attributable and the 2-core CI machine responsive.
    fileParallelism: false,
    pool: 'forks',
  },
});
