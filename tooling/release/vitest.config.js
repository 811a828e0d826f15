import { defineConfig } from 'vitest/config';
// The tests pack and install the built packages (dist/), never the sources. A loaded
// 2-core machine stretches the registry round trip: it sets its own, larger timeouts.
export default defineConfig({
    test: { include: ['test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 },
});
