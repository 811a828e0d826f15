import {
  CtError,
  type EventNotifier,
  IPCT_MARK,
  IPCT_NEW,
  IPCT_REPLY,
  NF_ACCEPT,
  NF_DROP,
  NF_INET_LOCAL_IN,
  nfConntrackEventCache,
} from '@ctrack/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  NF_NETLINK_CONNTRACK_DESTROY,
  NF_NETLINK_CONNTRACK_NEW,
  NF_NETLINK_CONNTRACK_UPDATE,
  NFCT_ALL_CT_GROUPS,
} from './constants.js';
import { nfCtEcacheFind } from './ecache-ext.js';
import type { ConnEvent, CtEvent } from './event.js';
import { ctnetlinkListenerCount } from './listeners.js';
import { ecacheModule } from './module.js';
import { ecacheOf, subscribe, subscribeQueue } from './subscribe.js';
import { A, B, gen, lines, world } from './test-support/harness.js';

let w: ReturnType<typeof world>;
afterEach(() => w?.done());

describe('delivery (docs/ecache.md §3) with the generic tracker', () => {
  it('first packet: one [NEW]; first reply: one [UPDATE]; expiry: [DESTROY] without timeout', () => {
    w = world();
    const ev = w.listen();
    w.input(gen(A, B));
    w.clock.advance(1000);
    w.output(gen(B, A));
    // expire: generic timeout 600 s after the reply's refresh
    w.clock.advance(600_000_000);
    w.net.syncClock();
    expect(lines(ev)).toEqual([
      '    [NEW] unknown  253 600 src=198.18.0.1 dst=198.18.0.2 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1',
      ' [UPDATE] unknown  253 600 src=198.18.0.1 dst=198.18.0.2 src=198.18.0.2 dst=198.18.0.1',
      '[DESTROY] unknown  253 src=198.18.0.1 dst=198.18.0.2 src=198.18.0.2 dst=198.18.0.1',
    ]);
    expect((ev[0] as ConnEvent).events).toBe(IPCT_NEW);
    expect((ev[1] as ConnEvent).events).toBe(IPCT_REPLY);
  });

  it('established packets that raise nothing send nothing', () => {
    w = world();
    const ev = w.listen();
    w.input(gen(A, B));
    w.output(gen(B, A));
    for (let i = 0; i < 5; i++) w.input(gen(A, B));
    expect(ev.map((e) => e.type)).toEqual(['NEW', 'UPDATE']);
  });

  it('bits raised on one packet travel in one message (NEW + MARK), mark printed', () => {
    w = world();
    const ev = w.listen();
    // a hook before confirm that sets the conn mark, as `ct mark set 42` would
    w.kernel.hooks.register({
      pf: 2,
      hooknum: NF_INET_LOCAL_IN,
      priority: 0,
      hook: (skb) => {
        if (skb.ct !== null && skb.ct.mark === 0) {
          skb.ct.mark = 42;
          nfConntrackEventCache(skb.ct, IPCT_MARK);
        }
        return NF_ACCEPT;
      },
    });
    w.input(gen(A, B));
    expect(ev).toHaveLength(1);
    expect((ev[0] as ConnEvent).events).toBe(IPCT_NEW | IPCT_MARK);
    expect(lines(ev)[0]).toBe(
      '    [NEW] unknown  253 600 src=198.18.0.1 dst=198.18.0.2 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 mark=42',
    );
  });

  it('a packet dropped before confirm leaves its bits for the next delivered packet', () => {
    w = world();
    const ev = w.listen();
    w.input(gen(A, B));
    let drop = true;
    w.kernel.hooks.register({
      pf: 2,
      hooknum: NF_INET_LOCAL_IN,
      priority: 0,
      hook: () => (drop ? NF_DROP : NF_ACCEPT),
    });
    // the reply is not confirmed through LOCAL_IN: output path POST_ROUTING confirms it.
    // Drop an ORIGINAL packet after a mark change instead: its MARK bit stays cached.
    w.kernel.hooks.register({
      pf: 2,
      hooknum: NF_INET_LOCAL_IN,
      priority: -1,
      hook: (skb) => {
        if (skb.ct !== null && drop) {
          skb.ct.mark = 7;
          nfConntrackEventCache(skb.ct, IPCT_MARK);
        }
        return NF_ACCEPT;
      },
    });
    expect(w.input(gen(A, B))).toBe(NF_DROP);
    expect(ev).toHaveLength(1);
    drop = false;
    w.output(gen(B, A));
    expect(ev).toHaveLength(2);
    expect((ev[1] as ConnEvent).events).toBe(IPCT_MARK | IPCT_REPLY);
    expect(lines(ev)[1]).toBe(
      ' [UPDATE] unknown  253 600 src=198.18.0.1 dst=198.18.0.2 src=198.18.0.2 dst=198.18.0.1 mark=7',
    );
  });

  it('a conn never confirmed reports nothing, not even DESTROY', () => {
    w = world();
    const ev = w.listen();
    w.kernel.hooks.register({ pf: 2, hooknum: NF_INET_LOCAL_IN, priority: 0, hook: () => NF_DROP });
    w.input(gen(A, B));
    expect(w.net.count).toBe(0);
    expect(ev).toEqual([]);
  });

  it('flush sends DESTROY at once with the remaining timeout (killed, ≥ 1 s left) and the requester portid', () => {
    w = world();
    const ev = w.listen();
    w.input(gen(A, B));
    w.clock.advance(10_000_000);
    w.net.syncClock();
    w.net.flush(() => true, 3615336354, 1);
    expect(lines(ev)[1]).toBe(
      '[DESTROY] unknown  253 590 src=198.18.0.1 dst=198.18.0.2 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 [USERSPACE] portid=3615336354',
    );
  });

  it('groups filter what a listener gets; messages are built only for listened groups', () => {
    w = world();
    const got: string[] = [];
    const un = subscribe(w.net, { groups: NF_NETLINK_CONNTRACK_DESTROY }, (e) => got.push(e.type));
    w.input(gen(A, B));
    w.output(gen(B, A));
    expect(ecacheOf(w.net).sent.conn).toBe(0);
    w.net.flush();
    expect(got).toEqual(['DESTROY']);
    expect(ecacheOf(w.net).sent.conn).toBe(1);
    un();
  });

  it('events are frozen snapshots: later changes do not alter them', () => {
    w = world();
    w.net.sysctl.set('nf_conntrack_acct', 1);
    const ev = w.listen();
    w.input(gen(A, B));
    const e0 = ev[0] as ConnEvent;
    const before = JSON.stringify(e0);
    w.output(gen(B, A));
    w.input(gen(A, B));
    w.net.conns()[0]!.mark = 9;
    expect(JSON.stringify(e0)).toBe(before);
    expect(Object.isFrozen(e0)).toBe(true);
    expect(Object.isFrozen(e0.conn)).toBe(true);
    expect(Object.isFrozen(e0.conn.orig)).toBe(true);
  });
});

describe('nf_conntrack_events (docs/ecache.md §2)', () => {
  it('2 (default): a conn created while nobody listens never reports, even after a listener appears', () => {
    w = world();
    expect(w.net.sysctl.get('nf_conntrack_events')).toBe(2);
    w.input(gen(A, B));
    const ct = w.net.conns()[0]!;
    expect(nfCtEcacheFind(ct)).toBeUndefined();
    const ev = w.listen();
    w.output(gen(B, A));
    w.net.flush();
    expect(ev).toEqual([]);
    // a conn created now gets the extension
    w.input(gen(A, '198.18.0.3'));
    expect(ev.map((e) => e.type)).toEqual(['NEW']);
  });

  it('2: a listener in another netns of the process counts', () => {
    w = world();
    const other = w.kernel.createNetns({ clock: w.clock });
    const evOther = w.listen(NFCT_ALL_CT_GROUPS, other);
    w.input(gen(A, B));
    const ct = w.net.conns()[0]!;
    expect(nfCtEcacheFind(ct)?.ctmask).toBe(0xffff);
    expect(evOther).toEqual([]);
    // and a listener subscribing later in this netns sees its events
    const ev = w.listen();
    w.output(gen(B, A));
    expect(ev.map((e) => e.type)).toEqual(['UPDATE']);
  });

  it('1: every conn gets the extension, with or without listeners', () => {
    w = world();
    w.net.sysctl.set('nf_conntrack_events', 1);
    expect(ctnetlinkListenerCount()).toBe(0);
    w.input(gen(A, B));
    expect(nfCtEcacheFind(w.net.conns()[0]!)?.ctmask).toBe(0xffff);
    const ev = w.listen();
    w.output(gen(B, A));
    expect(ev.map((e) => e.type)).toEqual(['UPDATE']);
  });

  it('0: no extension, no events, unless a template gives explicit masks', () => {
    w = world();
    w.net.sysctl.set('nf_conntrack_events', 0);
    const ev = w.listen();
    w.input(gen(A, B));
    expect(nfCtEcacheFind(w.net.conns()[0]!)).toBeUndefined();
    w.net.flush();
    expect(ev).toEqual([]);
    // `ct event set destroy`: only DESTROY may be reported
    ecacheOf(w.net).template = () => ({ ctmask: 1 << 2, expmask: 0 });
    w.input(gen(A, B));
    w.output(gen(B, A));
    w.net.flush();
    expect(ev.map((e) => e.type)).toEqual(['DESTROY']);
  });
});

describe('notifier slot and listeners', () => {
  it('a second notifier in a netns is EBUSY', () => {
    w = world();
    const fake: EventNotifier = { cache() {}, deliverCached() {}, report: () => true, expectEvent() {} };
    expect(() => w.net.registerNotifier(fake)).toThrow(CtError);
    try {
      w.net.registerNotifier(fake);
    } catch (e) {
      expect((e as CtError).code).toBe('EBUSY');
    }
  });

  it('loading ecache where another notifier holds the slot fails EBUSY and unwinds', () => {
    w = world();
    w.kernel.unload(ecacheModule.name);
    const fake: EventNotifier = { cache() {}, deliverCached() {}, report: () => true, expectEvent() {} };
    w.net.registerNotifier(fake);
    expect(() => w.kernel.load(ecacheModule)).toThrow(/EBUSY/);
    expect(w.kernel.isLoaded(ecacheModule.name)).toBe(false);
    expect(w.kernel.extensions.find(4)).toBeUndefined();
    w.net.unregisterNotifier(fake);
    w.kernel.load(ecacheModule);
    expect(w.kernel.extensions.find(4)?.name).toBe('ecache');
  });

  it('subscribe without ecache loaded is ENOENT; a bad group mask is EINVAL', () => {
    w = world();
    expect(() => subscribe(w.net, { groups: 0 }, () => {})).toThrow(/EINVAL/);
    expect(() => subscribe(w.net, { groups: 0x40 }, () => {})).toThrow(/EINVAL/);
    w.kernel.unload(ecacheModule.name);
    expect(() => subscribe(w.net, { groups: 1 }, () => {})).toThrow(/ENOENT/);
  });

  it('a throwing listener breaks neither the packet nor the other listeners', () => {
    w = world();
    const errors: unknown[] = [];
    const bad = subscribe(w.net, { groups: NFCT_ALL_CT_GROUPS, onError: (e) => errors.push(e) }, () => {
      throw new Error('boom');
    });
    const ev = w.listen();
    expect(w.input(gen(A, B))).toBe(NF_ACCEPT);
    expect(w.output(gen(B, A))).toBe(NF_ACCEPT);
    expect(ev.map((e) => e.type)).toEqual(['NEW', 'UPDATE']);
    expect(bad.errors).toBe(2);
    expect(bad.delivered).toBe(2);
    expect(errors).toHaveLength(2);
    expect(w.net.count).toBe(1);
    bad();
  });

  it('a listener may unsubscribe itself while being called', () => {
    w = world();
    const seen: string[] = [];
    const un = subscribe(w.net, { groups: NFCT_ALL_CT_GROUPS }, (e) => {
      seen.push(e.type);
      un();
    });
    const ev = w.listen();
    w.input(gen(A, B));
    w.output(gen(B, A));
    expect(seen).toEqual(['NEW']);
    expect(ev).toHaveLength(2);
  });

  it('netns exit sends DESTROY for every conn, then drops its listeners', () => {
    w = world();
    const n2 = w.kernel.createNetns({ clock: w.clock });
    const ev = w.listen(NFCT_ALL_CT_GROUPS, n2);
    const before = ctnetlinkListenerCount();
    w.skb.set(gen(A, B), 0, 25, w.clock.nowUs());
    n2.input(w.skb);
    w.kernel.destroyNetns(n2);
    expect(ev.map((e) => e.type)).toEqual(['NEW', 'DESTROY']);
    expect(ctnetlinkListenerCount()).toBe(before - 1);
  });
});

describe('bounded queues (ENOBUFS analogue)', () => {
  it('overflow drops and counts, then read() reports ENOBUFS once', () => {
    w = world();
    const q = subscribeQueue(w.net, { groups: NF_NETLINK_CONNTRACK_NEW, capacity: 2 });
    for (let i = 3; i < 8; i++) w.input(gen(A, `198.18.0.${i}`));
    expect(q.size).toBe(2);
    expect(q.dropped).toBe(3);
    expect(() => q.read()).toThrow(/ENOBUFS/);
    const got = q.read();
    expect(got.map((e) => (e as ConnEvent).conn.orig.dst)).toEqual(['198.18.0.3', '198.18.0.4']);
    expect(w.net.count).toBe(5);
    q.close();
    w.input(gen(A, '198.18.0.9'));
    expect(q.size).toBe(0);
  });

  it('an unreliable full queue does not make bits missed; a reliable one does, and they ride along', () => {
    w = world();
    const q = subscribeQueue(w.net, {
      groups: NF_NETLINK_CONNTRACK_NEW | NF_NETLINK_CONNTRACK_UPDATE,
      capacity: 1,
      reliable: true,
    });
    w.input(gen(A, B)); // NEW fills the queue
    w.output(gen(B, A)); // UPDATE (REPLY) cannot be taken: missed
    const ct = w.net.conns()[0]!;
    expect(nfCtEcacheFind(ct)!.missed).toBe(IPCT_REPLY);
    expect(q.dropped).toBe(1);
    expect(() => q.read()).toThrow(/ENOBUFS/);
    expect(q.read().map((e) => e.type)).toEqual(['NEW']);
    // next packet raises nothing itself, but the missed REPLY goes out with it
    w.input(gen(A, B));
    const [again] = q.read() as ConnEvent[];
    expect(again!.type).toBe('UPDATE');
    expect(again!.events).toBe(IPCT_REPLY);
    expect(nfCtEcacheFind(ct)!.missed).toBe(0);
    q.close();
  });

  it('async iteration yields buffered events and ends on close', async () => {
    w = world();
    const q = subscribeQueue(w.net, { groups: NFCT_ALL_CT_GROUPS, capacity: 8 });
    const got: CtEvent[] = [];
    const reader = (async () => {
      for await (const e of q) got.push(e);
    })();
    w.input(gen(A, B));
    w.output(gen(B, A));
    await Promise.resolve();
    q.close();
    await reader;
    expect(got.map((e) => e.type)).toEqual(['NEW', 'UPDATE']);
  });
});
