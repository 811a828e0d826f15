import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ipv4ToString, Kernel, Skb, VirtualClock } from '@ctrack/core';
import { ipv4Module, ipv4RcvCheck } from '@ctrack/l3-ipv4';
import { icmpModule } from '@ctrack/l4-icmp';
import { udpModule } from '@ctrack/l4-udp';
import { describe, expect, it } from 'vitest';
import { defragOf } from './defrag.js';
import { defragModule } from './module.js';
import { readPcapIpv4, readSnmp } from './test-support/pcap.js';

const ROOT = fileURLToPath(new URL('../../../tooling/conformance/fixtures/', import.meta.url));
const FIXTURES = ['frag-udp', 'frag-icmp', 'frag-overlap', 'frag-incomplete'];

interface Meta {
  local: string[];
  sysctls?: Record<string, string>;
  listed_at: number;
}

/**
 * The kernel's reassembly MIB (snmp.txt) against ctrack's for the received packets of
 * each frag-* recording. Only PRE_ROUTING is replayed: the kernel tracked its own sent
 * datagrams whole (they were fragmented after POST_ROUTING and never reassembled), so
 * its counters only count the received fragments.
 */
describe.skipIf(!existsSync(ROOT))('kernel recordings: reassembly MIB of received fragments', () => {
  for (const name of FIXTURES) {
    it(name, () => {
      const dir = `${ROOT}${name}/`;
      const meta = JSON.parse(readFileSync(`${dir}meta.json`, 'utf8')) as Meta;
      const kernel = new Kernel();
      kernel.loadAll([ipv4Module, udpModule, icmpModule, defragModule]);
      const packets = readPcapIpv4(`${dir}capture.pcap`);
      const clock = new VirtualClock(packets[0]!.tsUs);
      const net = kernel.createNetns({ clock });
      for (const [k, v] of Object.entries(meta.sysctls ?? {})) net.sysctl.set(k, v);
      const skb = new Skb();
      for (const p of packets) {
        const src = ipv4ToString(
          ((p.ip[12]! << 24) | (p.ip[13]! << 16) | (p.ip[14]! << 8) | p.ip[15]!) >>> 0,
        );
        if (meta.local.includes(src)) continue;
        clock.set(p.tsUs);
        skb.set(p.ip, 0, p.ip.length, p.tsUs);
        if (ipv4RcvCheck(skb) === null) net.input(skb);
      }
      clock.set(Math.round(meta.listed_at * 1e6));
      net.syncClock();
      const k = readSnmp(`${dir}snmp.txt`);
      const mib = defragOf(net).mib;
      expect(mib).toEqual({
        ReasmReqds: k.ReasmReqds,
        ReasmOKs: k.ReasmOKs,
        ReasmFails: k.ReasmFails,
        ReasmTimeout: k.ReasmTimeout,
        ReasmOverlaps: k.ReasmOverlaps,
      });
    });
  }
});
