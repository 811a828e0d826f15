import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { icmpModule } from '@ctrack/l4-icmp';
import { tcpModule } from '@ctrack/l4-tcp';
import { udpModule } from '@ctrack/l4-udp';
import { describe, expect, it } from 'vitest';
import { NFCT_ALL_CT_GROUPS } from './constants.js';
import type { ConnEvent, CtEvent } from './event.js';
import { formatEvent } from './format-conn.js';
import { subscribe } from './subscribe.js';
import { world } from './test-support/harness.js';
import { readPcap } from './test-support/pcap.js';

/**
 * Replay the kernel recordings (tooling/conformance/fixtures: pcap on the server veth
 * plus `conntrack -E -o timestamp,id` of the same run) and demand the same event lines.
 * The kernel's receive timestamps and conn ids cannot match (listener clock, keyed hash),
 * so the `[ts]\t` prefix is dropped and `id=` is checked for consistency per conn instead.
 */
const FIXTURES = join(import.meta.dirname, '../../../tooling/conformance/fixtures');

/** Scenarios that need only conntrack + tcp/udp/icmp (no defrag, no FTP helper). */
const SCENARIOS = [
  'generic-proto',
  'icmp-ping',
  'udp-request-reply',
  'udp-stream',
  'udp-oneway-port-unreachable',
  'icmp-error-related-inbound',
  'icmp-error-unknown-flow',
  'tcp-handshake-data-fin',
  'tcp-rst-close',
  'tcp-syn-closed-port',
  'tcp-syn-unanswered',
  'tcp-midstream-loose-on',
  'tcp-midstream-loose-off',
  'tcp-out-of-window',
  'tcp-retransmit-syn-and-data',
  'tcp-synfin-invalid',
  'many-short-flows',
];

interface Meta {
  local: string[];
  /** When the recorder listed the table: the kernel's events stop there. */
  listed_at: number;
  sysctls: Record<string, string>;
}

function replay(name: string) {
  const dir = join(FIXTURES, name);
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta;
  const pkts = readPcap(join(dir, 'capture.pcap'));
  const w = world([udpModule, icmpModule, tcpModule], pkts[0]?.tsUs ?? 0);
  for (const [k, v] of Object.entries(meta.sysctls)) {
    if (w.net.sysctl.has(k)) w.net.sysctl.set(k, v);
  }
  const events: CtEvent[] = [];
  const un = subscribe(w.net, { groups: NFCT_ALL_CT_GROUPS }, (e) => events.push(e));
  const local = new Set(meta.local);
  for (const p of pkts) {
    w.clock.set(p.tsUs);
    const src = `${p.ip[12]}.${p.ip[13]}.${p.ip[14]}.${p.ip[15]}`;
    if (local.has(src)) w.output(p.ip);
    else w.input(p.ip);
  }
  // let time run to the moment the recorder stopped listening (expiry DESTROYs up to then)
  w.clock.set(Math.round(meta.listed_at * 1_000_000));
  w.net.syncClock();
  un();
  w.done();
  return events;
}

/** The kernel line without `[ts]\t` and the trailing ` id=N`, plus that id. */
function kernelLine(l: string): { text: string; id: string } {
  const body = l.replace(/^\[[^\]]*\]\t/, '');
  const m = / id=(\d+)$/.exec(body);
  return { text: m ? body.slice(0, m.index) : body, id: m?.[1] ?? '' };
}

describe('kernel recordings: conntrack -E lines', () => {
  for (const name of SCENARIOS) {
    const dir = join(FIXTURES, name);
    it.skipIf(!existsSync(join(dir, 'meta.json')))(name, () => {
      const want = readFileSync(join(dir, 'events.txt'), 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map(kernelLine);
      const got = replay(name);
      expect(got.map((e) => formatEvent(e))).toEqual(want.map((k) => k.text));
      // `-o id`: one id per conn in both, mapped one to one
      const pairs = new Map<string, number>();
      got.forEach((e, i) => {
        const kid = want[i]!.id;
        const ours = (e as ConnEvent).conn.id;
        if (!pairs.has(kid)) pairs.set(kid, ours);
        expect(pairs.get(kid)).toBe(ours);
        expect(formatEvent(e, { id: true })).toBe(`${want[i]!.text} id=${ours}`);
      });
      expect(new Set(pairs.values()).size).toBe(pairs.size);
    });
  }
});
