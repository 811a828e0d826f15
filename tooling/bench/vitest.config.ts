import { defineConfig } from 'vitest/config';

// Resolve workspace packages to their TypeScript sources (the "@ctrack/source" export condition).
export default defineConfig({
  resolve: { conditions: ['@ctrack/source'] },
  ssr: { resolve: { conditions: ['@ctrack/source'] } },
  test: { include: ['src/**/*.test.ts'] },
});
