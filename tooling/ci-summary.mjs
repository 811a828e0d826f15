// Sums the "Tests  N passed | M failed (T)" lines vitest prints per package into one
// closing line: "tests: N passed, M failed[, K skipped]".
import { readFileSync } from 'node:fs';

const text = readFileSync(process.argv[2], 'utf8').replace(
  new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'),
  '',
);
let passed = 0;
let failed = 0;
let skipped = 0;
for (const line of text.split('\n')) {
  const m = /^\S*\s*Tests\s+(.*)\(\d+\)\s*$/.exec(line.replace(/^[^:]*:\s*/, ''));
  if (!m) continue;
  for (const part of m[1].split('|')) {
    const n = /(\d+)\s+(passed|failed|skipped|todo|expected fail)/.exec(part.trim());
    if (!n) continue;
    const k = Number(n[1]);
    if (n[2] === 'passed') passed += k;
    else if (n[2] === 'failed') failed += k;
    else skipped += k;
  }
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
