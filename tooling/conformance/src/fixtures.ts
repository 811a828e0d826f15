import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** tooling/conformance/fixtures (the recordings; read only). */
export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** meta.json of a recording (README "meta.json"). */
export interface Meta {
  name: string;
  description?: string;
  local: string[];
  /** The client address (a list when the scenario used both families). */
  client?: string | string[];
  /** "ipv4" (recordings before IPv6 have no field), "ipv6" or "both". */
  family?: string;
  sysctls?: Record<string, string>;
  helpers?: { name: string; proto: string; port: number }[];
  expect?: string;
  traffic_start?: number;
  traffic_end?: number;
  post_wait?: number;
  /** Wall clock (s) just before `conntrack -L` / `-S` / `nft list`. */
  listed_at: number;
  hz?: number;
}

export interface Fixture {
  name: string;
  dir: string;
  pcap: string;
  meta: Meta;
  /** Non-empty lines of each text file. */
  events: string[];
  list: string[];
  listExpect: string[];
  expectEvents: string[];
  stats: string[];
  nft: string;
}

function lines(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

/** Every fixture folder with a capture and a meta.json, sorted by name. */
export function fixtureNames(root = FIXTURES_DIR): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => existsSync(join(root, d, 'capture.pcap')) && existsSync(join(root, d, 'meta.json')))
    .sort();
}

export function loadFixture(name: string, root = FIXTURES_DIR): Fixture {
  const dir = join(root, name);
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta;
  return {
    name,
    dir,
    pcap: join(dir, 'capture.pcap'),
    meta,
    events: lines(join(dir, 'events.txt')),
    list: lines(join(dir, 'list.txt')),
    listExpect: lines(join(dir, 'list-expect.txt')),
    expectEvents: lines(join(dir, 'expect-events.txt')),
    stats: lines(join(dir, 'stats.txt')),
    nft: existsSync(join(dir, 'nft.txt')) ? readFileSync(join(dir, 'nft.txt'), 'utf8') : '',
  };
}

/** Microseconds of a meta.json wall-clock float (seconds). */
export function secondsToUs(s: number): number {
  return Math.round(s * 1_000_000);
}
