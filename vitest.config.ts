import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '**/.cache/**', 'bench/**'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Integration tests share one started stack; running files in parallel on a
    // 2-core machine only adds noise.
    fileParallelism: false,
    pool: 'forks',
    // Starts Kafka (if needed) and the whole stack on the test ports, once per run.
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default'],
  },
});
