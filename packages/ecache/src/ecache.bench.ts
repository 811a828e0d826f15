import { Kernel, Skb, VirtualClock } from '@ctrack/core';
import { udpPacket } from '@ctrack/core/testing';
import { ipv4Module } from '@ctrack/l3-ipv4';
import { udpModule } from '@ctrack/l4-udp';
import { bench, describe } from 'vitest';
import { NFCT_ALL_CT_GROUPS } from './constants.js';
import { ecacheModule } from './module.js';
import { subscribe } from './subscribe.js';

/**
 * Per-packet cost of the event path on an established UDP flow (the common case: no
 * bits raised, nothing built), with no listener vs one `conntrack -E`-like listener, and
 * the cost of a packet that does produce a message (a new conn: [NEW] built + delivered).
 */
function flow(listen: boolean) {
  const kernel = new Kernel();
  kernel.loadAll([ipv4Module, udpModule, ecacheModule]);
  const clock = new VirtualClock(1_700_000_000_000_000);
  const net = kernel.createNetns({ clock, hashSeed: 1, idSeed: 1 });
  let seen = 0;
  if (listen) subscribe(net, { groups: NFCT_ALL_CT_GROUPS }, () => void seen++);
  const skb = new Skb();
  const req = udpPacket('198.18.0.1', '198.18.0.2', { sport: 40000, dport: 53, payload: new Uint8Array(32) });
  const rep = udpPacket('198.18.0.2', '198.18.0.1', { sport: 53, dport: 40000, payload: new Uint8Array(32) });
  net.input(skb.set(req, 0, req.length, clock.nowUs()));
  net.output(skb.set(rep, 0, rep.length, clock.nowUs()));
  return { net, skb, req, kernel, seen: () => seen };
}

describe('established packet (no event raised)', () => {
  const quiet = flow(false);
  const heard = flow(true);
  bench('no listener', () => {
    quiet.net.input(quiet.skb.set(quiet.req, 0, quiet.req.length, 0));
  });
  bench('one listener', () => {
    heard.net.input(heard.skb.set(heard.req, 0, heard.req.length, 0));
  });
});

describe('new conn per packet ([NEW] message when listened)', () => {
  const pkts = Array.from({ length: 4096 }, (_, i) =>
    udpPacket('198.18.0.1', '198.18.0.2', { sport: 1024 + (i % 60000), dport: 53 }),
  );
  for (const listen of [false, true]) {
    const f = flow(listen);
    let i = 0;
    bench(listen ? 'one listener' : 'no listener', () => {
      const p = pkts[i++ & 4095]!;
      f.net.input(f.skb.set(p, 0, p.length, 0));
      if ((i & 4095) === 0) f.net.flush();
    });
  }
});
