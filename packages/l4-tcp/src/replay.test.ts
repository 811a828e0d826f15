import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  IP_CT_ESTABLISHED,
  IP_CT_ESTABLISHED_REPLY,
  IP_CT_NEW,
  IPCT_DESTROY,
  IPCT_NEW,
  IPCT_PROTOINFO,
  IPS_ASSURED,
  IPS_SEEN_REPLY,
  NF_ACCEPT,
  NF_INET_LOCAL_OUT,
  NF_INET_PRE_ROUTING,
  parseIpv4,
  type Skb,
} from '@ctrack/core';
import { describe, expect, it } from 'vitest';
import { Lab } from './test-support/harness.js';

/**
 * Replays the kernel recordings (tooling/conformance/fixtures/tcp-*: pcap on the
 * server's veth + `conntrack -E`, `-S` and nft counters from Linux 6.18) and demands the
 * same event sequence, invalid count and per-hook `ct state` counters.
 */
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../tooling/conformance/fixtures');
const names = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((n) => n.startsWith('tcp-')) : [];

interface Meta {
  local: string[];
  sysctls: Record<string, string>;
  listed_at: number;
}

function* pcapPackets(buf: Buffer): Generator<{ tsUs: number; ip: Uint8Array }> {
  let off = 24;
  while (off + 16 <= buf.length) {
    const sec = buf.readUInt32LE(off);
    const usec = buf.readUInt32LE(off + 4);
    const incl = buf.readUInt32LE(off + 8);
    const frame = buf.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    if (frame.readUInt16BE(12) !== 0x0800) continue; // IPv4 only
    const ip = new Uint8Array(frame.subarray(14));
    const total = (ip[2]! << 8) | ip[3]!;
    yield { tsUs: sec * 1_000_000 + usec, ip: ip.subarray(0, total) };
  }
}

/** A `conntrack -E` line reduced to what the TCP tracker decides. */
function kernelEvent(line: string): string {
  const m = /\[(NEW|UPDATE|DESTROY)\]\s+tcp\s+6 (.*)$/.exec(line);
  if (!m) return `?? ${line}`;
  const words = m[2]!.split(/\s+/);
  const out = [m[1]!];
  let i = 0;
  if (/^\d+$/.test(words[i]!)) out.push(words[i++]!);
  if (!words[i]!.includes('=')) out.push(words[i++]!);
  if (line.includes('[UNREPLIED]')) out.push('[UNREPLIED]');
  if (line.includes('[ASSURED]')) out.push('[ASSURED]');
  const counters = [...line.matchAll(/packets=(\d+) bytes=(\d+)/g)].map((c) => `${c[1]}/${c[2]}`);
  if (counters.length > 0) out.push(counters.join(' '));
  return out.join(' ');
}

describe.skipIf(names.length === 0)('kernel recordings (tooling/conformance/fixtures/tcp-*)', () => {
  for (const name of names) {
    const dir = join(FIXTURES, name);
    if (!existsSync(join(dir, 'meta.json')) || !existsSync(join(dir, 'nft.txt'))) continue;
    it(name, () => {
      const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta;
      const sysctls: Record<string, number> = {};
      for (const [k, v] of Object.entries(meta.sysctls)) sysctls[k.replace('net.netfilter.', '')] = Number(v);
      const lab = new Lab(sysctls);
      const local = new Set(meta.local.map(parseIpv4));
      // nft `ct state` counters at filter priority in prerouting and output
      const counters: Record<string, [number, number]> = {};
      const count = (chain: string) => (skb: Skb) => {
        const ci = skb.ctinfo;
        const st =
          ci === IP_CT_NEW
            ? 'new'
            : ci === IP_CT_ESTABLISHED || ci === IP_CT_ESTABLISHED_REPLY
              ? 'established'
              : ci < 0
                ? 'invalid'
                : 'related';
        const c = (counters[`${chain} ${st}`] ??= [0, 0]);
        c[0]++;
        c[1] += skb.len;
        return NF_ACCEPT;
      };
      lab.kernel.hooks.register({
        pf: 2,
        hooknum: NF_INET_PRE_ROUTING,
        priority: 0,
        hook: count('prerouting'),
        name: 'nft',
      });
      lab.kernel.hooks.register({
        pf: 2,
        hooknum: NF_INET_LOCAL_OUT,
        priority: 0,
        hook: count('output'),
        name: 'nft',
      });

      for (const { tsUs, ip } of pcapPackets(readFileSync(join(dir, 'capture.pcap')))) {
        lab.clock.set(tsUs);
        const src = ((ip[12]! << 24) | (ip[13]! << 16) | (ip[14]! << 8) | ip[15]!) >>> 0;
        const dst = ((ip[16]! << 24) | (ip[17]! << 16) | (ip[18]! << 8) | ip[19]!) >>> 0;
        lab.path = local.has(dst) ? 'input' : local.has(src) ? 'output' : 'forward';
        lab.sendBytes(ip);
      }
      lab.clock.set(Math.round(meta.listed_at * 1_000_000));
      lab.net.syncClock();

      const ours = lab.notifier.events.map((e) => {
        const tag = e.bits & IPCT_DESTROY ? 'DESTROY' : e.bits & IPCT_NEW ? 'NEW' : 'UPDATE';
        const out = [tag];
        if (tag !== 'DESTROY' || e.timeout >= 1) out.push(String(e.timeout));
        if (tag === 'DESTROY' || e.bits & IPCT_PROTOINFO) out.push(e.state);
        if ((e.status & IPS_SEEN_REPLY) === 0) out.push('[UNREPLIED]');
        if (e.status & IPS_ASSURED) out.push('[ASSURED]');
        if (tag === 'DESTROY' && e.acct)
          out.push(`${e.acct.packets0}/${e.acct.bytes0} ${e.acct.packets1}/${e.acct.bytes1}`);
        return out.join(' ');
      });
      const kernel = readFileSync(join(dir, 'events.txt'), 'utf8')
        .split('\n')
        .filter((l) => l.includes('] tcp'))
        .map(kernelEvent);
      expect(ours).toEqual(kernel);
      if (process.env.CTRACK_REPLAY_DEBUG) console.log(name, ours, counters);

      const stats = readFileSync(join(dir, 'stats.txt'), 'utf8');
      const invalid = [...stats.matchAll(/invalid=(\d+)/g)].reduce((s, m) => s + Number(m[1]), 0);
      expect(lab.net.stats.invalid).toBe(invalid);

      const nft = readFileSync(join(dir, 'nft.txt'), 'utf8');
      let chain = '';
      let matched = 0;
      for (const line of nft.split('\n')) {
        const c = /chain (\w+)/.exec(line);
        if (c) chain = c[1]!;
        const m = /ct state (new|established|related|invalid) counter packets (\d+) bytes (\d+)/.exec(line);
        if (!m) continue;
        expect(counters[`${chain} ${m[1]}`] ?? [0, 0], `${chain} ${m[1]}`).toEqual([
          Number(m[2]),
          Number(m[3]),
        ]);
        matched++;
      }
      expect(matched).toBe(8); // new/established/related/invalid in both chains
    });
  }
});
