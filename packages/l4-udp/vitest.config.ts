import { defineConfig } from 'vitest/config';

// Resolve workspace packages to their TypeScript sources (the "@ctrack/source" export condition).
export default defineConfig({
  resolve: { conditions: ['@ctrack/source'] },
  ssr: { resolve: { conditions: ['@ctrack/source'] } },
  // A loaded 2-core CI machine stretches any test several-fold: no test may fail on the
  // 5 s default (the repository README's Testing section); property tests also pass PROPERTY_TIMEOUT_MS themselves.
  test: { include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
});
