import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The checks run per fixture. */
export const CHECKS = ['events', 'expect-events', 'list', 'list-expect', 'stats', 'nft'] as const;
export type Check = (typeof CHECKS)[number];

export const KNOWN_FAILURES_PATH = fileURLToPath(new URL('../known-failures.json', import.meta.url));

/**
 * known-failures.json: `{ "fixtures": { "<fixture>": { "<check>": "reason" } } }`.
 * A listed check runs as `it.fails`: it must fail (and the entry be removed once it passes).
 */
export interface KnownFailures {
  fixtures: Record<string, Partial<Record<Check, string>>>;
}

export function loadKnownFailures(path = KNOWN_FAILURES_PATH): KnownFailures {
  if (!existsSync(path)) return { fixtures: {} };
  const j = JSON.parse(readFileSync(path, 'utf8')) as Partial<KnownFailures>;
  return { fixtures: j.fixtures ?? {} };
}

/** Entries that name no fixture, an unknown check, or give no reason. */
export function invalidEntries(k: KnownFailures, fixtures: readonly string[]): string[] {
  const bad: string[] = [];
  for (const [name, checks] of Object.entries(k.fixtures)) {
    if (!fixtures.includes(name)) bad.push(`${name}: no such fixture`);
    for (const [check, reason] of Object.entries(checks)) {
      if (!(CHECKS as readonly string[]).includes(check)) bad.push(`${name}.${check}: no such check`);
      if (typeof reason !== 'string' || reason.trim() === '') bad.push(`${name}.${check}: no reason given`);
    }
  }
  return bad;
}
