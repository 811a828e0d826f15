import { type CtModule, Kernel, type Netns, Skb, VirtualClock } from '@ctrack/core';
import { ipv4 } from '@ctrack/core/testing';
import { ipv4Module } from '@ctrack/l3-ipv4';
import { NFCT_ALL_CT_GROUPS } from '../constants.js';
import type { CtEvent } from '../event.js';
import { type FormatOptions, formatEvent } from '../format-conn.js';
import { ecacheModule } from '../module.js';
import { subscribe } from '../subscribe.js';

/** Client A and observer B of docs/formats.md's recordings. */
export const A = '198.18.0.1';
export const B = '198.18.0.2';

/** A test world: kernel with ipv4 + ecache (+ extra modules), one netns on a virtual clock. */
export function world(extra: CtModule[] = [], startUs = 1_795_246_121_135_568) {
  const kernel = new Kernel();
  kernel.loadAll([ipv4Module, ...extra, ecacheModule]);
  const clock = new VirtualClock(startUs);
  const net = kernel.createNetns({ clock, hashSeed: 1, idSeed: 1 });
  const skb = new Skb();
  const unsubs: Array<() => void> = [];
  /** Packet arriving at B (PRE_ROUTING, LOCAL_IN). */
  const input = (bytes: Uint8Array, mark = 0) => {
    skb.set(bytes, 0, bytes.length, clock.nowUs());
    skb.mark = mark;
    return net.input(skb);
  };
  /** Packet sent by B (LOCAL_OUT, POST_ROUTING). */
  const output = (bytes: Uint8Array) => {
    skb.set(bytes, 0, bytes.length, clock.nowUs());
    return net.output(skb);
  };
  /** Subscribe like `conntrack -E` and collect the events. */
  const listen = (groups = NFCT_ALL_CT_GROUPS, n: Netns = net) => {
    const events: CtEvent[] = [];
    unsubs.push(subscribe(n, { groups }, (ev) => events.push(ev)));
    return events;
  };
  const done = () => {
    for (const u of unsubs.splice(0)) u();
    kernel.shutdown();
  };
  return { kernel, clock, net, skb, input, output, listen, done };
}

/** A generic-protocol (253) datagram with `n` payload bytes. */
export const gen = (src: string, dst: string, n = 5, proto = 253) =>
  ipv4({ src, dst, proto, payload: new Uint8Array(n) });

export const lines = (events: CtEvent[], opts: FormatOptions = {}) => events.map((e) => formatEvent(e, opts));
