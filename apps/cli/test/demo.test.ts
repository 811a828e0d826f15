import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { demoCapture } from './support/demo.js';

const DEMO = fileURLToPath(new URL('../fixtures/demo.pcap', import.meta.url));

describe('fixtures/demo.pcap', () => {
  it('is what the demo generator writes (regenerate with WRITE_DEMO=1 npx vitest run test/demo.test.ts)', () => {
    const bytes = demoCapture();
    if (process.env.WRITE_DEMO) writeFileSync(DEMO, bytes);
    expect(new Uint8Array(readFileSync(DEMO))).toEqual(bytes);
  });
});
