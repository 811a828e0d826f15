import { defineConfig } from 'vitest/config';

// Resolve workspace packages to their TypeScript sources (the "@ctrack/source" export condition).
// globalSetup compiles the CLI once for the tests that run it as a process (test/support/build-cli.ts).
export default defineConfig({
  resolve: { conditions: ['@ctrack/source'] },
  ssr: { resolve: { conditions: ['@ctrack/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/build-cli.ts'],
  },
});
