/**
 * Replays the kernel recordings in tooling/conformance/fixtures that involve only UDP
 * and ICMP (recorded on 6.18 by the conformance recorder) and demands the same events,
 * `conntrack -S` error/invalid counters, nft `ct state` counters and final table.
 * A fixture that is not there (yet) is skipped.
 */
import { existsSync, readFileSync } from 'node:fs';
import {
  type Conn,
  type ConnAcct,
  IP_CT_ESTABLISHED,
  IP_CT_ESTABLISHED_REPLY,
  IP_CT_INVALID,
  IP_CT_NEW,
  IP_CT_RELATED,
  IP_CT_RELATED_REPLY,
  IPCT_DESTROY,
  IPCT_NEW,
  IPCT_RELATED,
  IPS_ASSURED,
  IPS_SEEN_REPLY,
  ipv4ToString,
  NF_ACCEPT,
  NF_INET_LOCAL_OUT,
  NF_INET_PRE_ROUTING,
  NFPROTO_IPV4,
  parseIpv4,
  type Skb,
} from '@ctrack/core';
import { setup } from '@ctrack/l3-ipv4/testing';
import { udpModule } from '@ctrack/l4-udp';
import { describe, expect, it } from 'vitest';
import { icmpModule } from './index.js';
import { readPcap } from './test-support/pcap.js';

const FIXTURES = new URL('../../../tooling/conformance/fixtures/', import.meta.url);
const NAMES = [
  'udp-oneway-port-unreachable',
  'udp-request-reply',
  'udp-stream',
  'icmp-ping',
  'icmp-error-related-inbound',
  'icmp-error-unknown-flow',
];

/** What a finished recording holds (one being re-recorded may lack some: skipped). */
const FILES = ['capture.pcap', 'meta.json', 'events.txt', 'stats.txt', 'nft.txt', 'list.txt'];

interface Meta {
  local: string[];
  sysctls: Record<string, string>;
  listed_at: number;
}

/** A conn as an event or listing line shows it, without ids, counters, mark or delta-time. */
function describeConn(kind: string, ct: Conn, timeout: number | null, status: number): string {
  const p = ct.l4proto;
  const o = ct.orig;
  const r = ct.reply;
  const parts = [kind, p.name, String(o.protonum)];
  if (timeout !== null) parts.push(String(timeout));
  parts.push(`src=${ipv4ToString(o.src)} dst=${ipv4ToString(o.dst)} ${p.printTuple?.(o) ?? ''}`.trim());
  if ((status & IPS_SEEN_REPLY) === 0) parts.push('[UNREPLIED]');
  parts.push(`src=${ipv4ToString(r.src)} dst=${ipv4ToString(r.dst)} ${p.printTuple?.(r) ?? ''}`.trim());
  if ((status & IPS_ASSURED) !== 0) parts.push('[ASSURED]');
  return parts.join(' ');
}

/** The same text from a recorded `conntrack -E` / `-L` line. */
function normalizeLine(line: string): string {
  return line
    .replace(/^\[[\d.]+\]\s*/, '')
    .replace(/\s+id=\d+\s*$/, '') // the conn id (-o id); an ICMP tuple's id= stays
    .replace(/\b(packets|bytes|mark|delta-time|use|zone)=\d+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** packets=/bytes= pairs of a DESTROY or listing line, orig then reply. */
function counters(line: string): number[] {
  return [...line.matchAll(/(?:packets|bytes)=(\d+)/g)].map((m) => Number(m[1]));
}

function acctOf(ct: Conn): number[] {
  const a = ct.ext?.[3] as ConnAcct | undefined;
  return a === undefined ? [] : [a.packets0, a.bytes0, a.packets1, a.bytes1];
}

/** nft counters: "chain prerouting" / "chain output" → state → [packets, bytes]. */
function readNft(text: string): Record<string, Record<string, [number, number]>> {
  const out: Record<string, Record<string, [number, number]>> = {};
  let chain = '';
  for (const line of text.split('\n')) {
    const c = /chain (\w+)/.exec(line);
    if (c) chain = c[1]!;
    const m = /ct state (\w+) counter packets (\d+) bytes (\d+)/.exec(line);
    if (m && chain) (out[chain] ??= {})[m[1]!] = [Number(m[2]), Number(m[3])];
  }
  return out;
}

function stateOf(ctinfo: number): string {
  if (ctinfo === IP_CT_NEW) return 'new';
  if (ctinfo === IP_CT_ESTABLISHED || ctinfo === IP_CT_ESTABLISHED_REPLY) return 'established';
  if (ctinfo === IP_CT_RELATED || ctinfo === IP_CT_RELATED_REPLY) return 'related';
  if (ctinfo === IP_CT_INVALID) return 'invalid';
  return 'untracked';
}

describe('kernel recordings (tooling/conformance/fixtures)', () => {
  for (const name of NAMES) {
    const dir = new URL(`${name}/`, FIXTURES);
    const complete = FILES.every((f) => existsSync(new URL(f, dir)));
    it.skipIf(!complete)(`${name}: same events, counters and table as 6.18`, () => {
      const read = (f: string) => readFileSync(new URL(f, dir), 'utf8');
      const meta = JSON.parse(read('meta.json')) as Meta;
      const h = setup([udpModule, icmpModule]);
      const { kernel, net, clock, skb } = h;
      for (const [k, v] of Object.entries(meta.sysctls)) net.sysctl.set(k, v);
      // Snapshot every delivered event as conntrack -E would print it.
      const events: string[] = [];
      const destroyCounters: number[][] = [];
      const deliver = h.notifier.events;
      const snapshot = () => {
        while (deliver.length > 0) {
          const e = deliver.shift()!;
          if (e.bits & IPCT_DESTROY) {
            events.push(describeConn('[DESTROY]', e.ct, null, e.ct.status));
            destroyCounters.push(acctOf(e.ct));
          } else {
            const kind = e.bits & (IPCT_NEW | IPCT_RELATED) ? '[NEW]' : '[UPDATE]';
            events.push(describeConn(kind, e.ct, h.secondsLeft(e.ct), e.ct.status));
          }
        }
      };
      // nft `ct state` counters in a filter chain at priority 0.
      const nft: Record<string, Record<string, [number, number]>> = { prerouting: {}, output: {} };
      const counter = (chain: string) => (s: Skb) => {
        const c = (nft[chain]![stateOf(s.ctinfo)] ??= [0, 0]);
        c[0]++;
        c[1] += s.len;
        return NF_ACCEPT;
      };
      kernel.hooks.register({
        pf: NFPROTO_IPV4,
        hooknum: NF_INET_PRE_ROUTING,
        priority: 0,
        hook: counter('prerouting'),
      });
      kernel.hooks.register({
        pf: NFPROTO_IPV4,
        hooknum: NF_INET_LOCAL_OUT,
        priority: 0,
        hook: counter('output'),
      });
      const local = new Set(meta.local.map(parseIpv4));
      for (const p of readPcap(new Uint8Array(readFileSync(new URL('capture.pcap', dir))))) {
        const v = new DataView(p.ip.buffer, p.ip.byteOffset, p.ip.byteLength);
        clock.set(p.tsUs);
        skb.set(p.ip, 0, v.getUint16(2), p.tsUs);
        if (local.has(v.getUint32(16))) net.input(skb);
        else if (local.has(v.getUint32(12))) net.output(skb);
        else net.forward(skb);
        snapshot();
      }
      const listedUs = Math.round(meta.listed_at * 1e6);
      clock.set(listedUs);
      net.syncClock();
      snapshot();

      const want = read('events.txt')
        .split('\n')
        .filter((l) => l.trim() !== '');
      expect(events).toEqual(want.map(normalizeLine));
      expect(destroyCounters).toEqual(want.filter((l) => l.includes('[DESTROY]')).map(counters));

      const stats = read('stats.txt');
      const sum = (k: string) =>
        [...stats.matchAll(new RegExp(`\\b${k}=(\\d+)`, 'g'))].reduce((a, m) => a + Number(m[1]), 0);
      expect({ error: net.stats.error, invalid: net.stats.invalid }).toEqual({
        error: sum('error'),
        invalid: sum('invalid'),
      });

      const wantNft = readNft(read('nft.txt'));
      for (const chain of ['prerouting', 'output']) {
        for (const state of ['new', 'established', 'related', 'invalid']) {
          expect(nft[chain]![state] ?? [0, 0], `${chain} ${state}`).toEqual(wantNft[chain]![state]);
        }
      }

      const list = read('list.txt')
        .split('\n')
        .filter((l) => /^\w+\s+\d+ \d+ src=/.test(l));
      const table = net.conns().map((ct) => describeConn('', ct, h.secondsLeft(ct), ct.status).trim());
      expect(table.sort()).toEqual(list.map((l) => normalizeLine(l)).sort());
      expect(net.conns().map(acctOf).sort()).toEqual(list.map(counters).sort());
    });
  }
});
