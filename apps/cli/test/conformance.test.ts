import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from './support/run.js';

const ROOT = fileURLToPath(new URL('../../../tooling/conformance/fixtures/', import.meta.url));
/**
 * The conformance suite's list of checks ctrack does not match yet (tooling/conformance
 * README "Replay test"): a fixture whose `events` check is listed runs as `it.fails` here
 * too, so it fails loudly once it matches.
 */
const KNOWN = fileURLToPath(new URL('../../../tooling/conformance/known-failures.json', import.meta.url));
const knownEvents = (name: string): string | undefined =>
  existsSync(KNOWN)
    ? (JSON.parse(readFileSync(KNOWN, 'utf8')) as { fixtures?: Record<string, { events?: string }> })
        .fixtures?.[name]?.events
    : undefined;

interface Meta {
  local: string[];
  sysctls?: Record<string, string>;
}

/**
 * The recorder's nft ruleset assigns ftp to tcp dport 21 and tftp to udp dport 69 in
 * every scenario; tftp is not bundled: its plugin package is loaded with --module.
 */
const helperArgs = (name: string): string[] => {
  if (/^(ipv6-)?ftp-/.test(name)) return ['--helper', 'ftp'];
  if (name.startsWith('tftp-')) return ['--module', '@ctrack/helper-tftp', '--helper', 'tftp'];
  return [];
};
/** Expectation events (`conntrack -E expect`) go to expect-events.txt, not events.txt. */
const isConnEvent = (l: string) => /^\s*\[(NEW|UPDATE|DESTROY)\] [a-z][a-z0-9-]* +\d+ /.test(l);

/** An event line without the timestamp column and the conn id (-o id; random per boot). */
const norm = (l: string) => l.replace(/^\[[\d. ]+\]\t/, '').replace(/ id=\d+$/, '');
/** DESTROY may come at another time: its delta-time and timeout may differ. */
const normDestroy = (l: string) =>
  norm(l)
    .replace(/ delta-time=\d+/, '')
    .replace(/^(\[DESTROY\] \S+ +\d+) \d+ /, '$1 ');

const scenarios = existsSync(ROOT)
  ? readdirSync(ROOT).filter(
      (d) => existsSync(join(ROOT, d, 'capture.pcap')) && existsSync(join(ROOT, d, 'meta.json')),
    )
  : [];

describe('kernel recordings replayed by the CLI', () => {
  it('finds the recordings', () => {
    expect(scenarios.length).toBeGreaterThan(10);
  });

  for (const name of scenarios) {
    const known = knownEvents(name);
    const test = known === undefined ? it : it.fails;
    test(`${name}: --events --local prints the kernel's events${known ? ` (known failure: ${known})` : ''}`, async () => {
      const dir = join(ROOT, name);
      const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta;
      const sysctls = Object.entries(meta.sysctls ?? {})
        .filter(([k]) => k.startsWith('net.netfilter.') || k.startsWith('net.ipv4.ipfrag_'))
        .flatMap(([k, v]) => ['--sysctl', `${k}=${v}`]);
      const locals = meta.local.flatMap((a) => ['--local', a]);
      const r = await run([
        'replay',
        join(dir, 'capture.pcap'),
        '--events',
        '-o',
        'id',
        '--drain',
        ...locals,
        ...sysctls,
        ...helperArgs(name),
      ]);
      expect(r.code).toBe(0);
      const lines = r.lines.filter(isConnEvent);
      const kernel = readFileSync(join(dir, 'events.txt'), 'utf8')
        .split('\n')
        .filter((l) => l !== '');
      const isDestroy = (l: string) => l.includes('[DESTROY]');
      // NEW and UPDATE: the same lines in the same order.
      expect(lines.filter((l) => !isDestroy(l)).map(norm)).toEqual(
        kernel.filter((l) => !isDestroy(l)).map(norm),
      );
      // Every DESTROY the kernel printed (within its recording window) is printed too.
      const ours = lines.filter(isDestroy).map(normDestroy);
      for (const d of kernel.filter(isDestroy).map(normDestroy)) expect(ours).toContain(d);
    });
  }
});
