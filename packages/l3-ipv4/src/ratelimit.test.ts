import { IPS_ASSURED, Kernel, NF_DROP, Skb, VirtualClock } from '@ctrack/core';
import { ipv4 } from '@ctrack/core/testing';
import { describe, expect, it } from 'vitest';
import { ipv4Module } from './index.js';

/**
 * "table full, dropping packet" is net_warn_ratelimited: the kernel-wide net_ratelimit
 * state lets 10 lines through per 5 s and, when the next interval starts, says how many
 * it suppressed ("net_ratelimit: N callbacks suppressed"), core ratelimit.ts.
 */
const BASE = 0xc6120000; // 198.18.0.0/15
const T0 = 1_700_000_000_000_000;
const FULL = 'nf_conntrack: table full, dropping packet';

function fullTable() {
  const kernel = new Kernel();
  kernel.load(ipv4Module);
  const clock = new VirtualClock(T0);
  const net = kernel.createNetns({ clock, hashSeed: 1, idSeed: 1 });
  const skb = new Skb();
  const send = (atUs: number, src: number) => {
    clock.set(T0 + atUs);
    const p = ipv4({ src, dst: BASE + 0xffff, proto: 253, payload: new Uint8Array(4) });
    return net.input(skb.set(p, 0, p.length, T0 + atUs));
  };
  // One ASSURED conn fills the table: nothing can be early-dropped.
  send(0, BASE + 0x10000);
  net.conns()[0]!.status |= IPS_ASSURED;
  net.sysctl.set('nf_conntrack_max', 1);
  return { kernel, net, send };
}

describe('kernel log lines are rate-limited like net_ratelimit', () => {
  it('a flood of new conns into a full table: 10 lines per 5 s and the suppressed counts', () => {
    const { kernel, net, send } = fullTable();
    // 2,500 packets, one every 2 jiffies (8 ms): 20 s of flood.
    for (let k = 0; k < 2500; k++) expect(send(8000 + k * 8000, BASE + 1 + k)).toBe(NF_DROP);
    expect(net.stats.drop).toBe(2500);
    // An interval begins at the first line and ends 1250 jiffies later; the first call
    // strictly after that begins the next: packets 0-625, 626-1251, 1252-1877, 1878-2499
    // (626 packets each but the last), so 616 suppressed in each of the first three.
    const burst = Array<string>(10).fill(FULL);
    const suppressed = 'net_ratelimit: 616 callbacks suppressed';
    expect(kernel.logs).toEqual([...burst, suppressed, ...burst, suppressed, ...burst, suppressed, ...burst]);
  });

  it('a quiet gap then a new drop: the suppressed count comes first, then the line', () => {
    const { kernel, send } = fullTable();
    for (let i = 0; i < 15; i++) send(1000 + i, BASE + 1 + i);
    expect(kernel.logs).toEqual(Array(10).fill(FULL));
    send(60_000_000, BASE + 100);
    expect(kernel.logs.slice(10)).toEqual(['net_ratelimit: 5 callbacks suppressed', FULL]);
  });
});
