import {
  type Conn,
  CtError,
  type CtModule,
  HELPERS,
  type Helper,
  HOOKS,
  IP_CT_NEW,
  IP_CT_RELATED,
  IPS_EXPECTED,
  Kernel,
  NF_ACCEPT,
  NF_INET_POST_ROUTING,
  NFPROTO_IPV4,
  nfCtDelete,
  nfctHelp,
  Skb,
  VirtualClock,
} from '@ctrack/core';
import { udpPacket } from '@ctrack/core/testing';
import { ecacheModule, formatEvent, formatExpect, NFCT_ALL_EXP_GROUPS, subscribe } from '@ctrack/ecache';
import { ipv4Module } from '@ctrack/l3-ipv4';
import { udpModule } from '@ctrack/l4-udp';
import { describe, expect, it } from 'vitest';
import {
  EALREADY,
  EBUSY,
  EMFILE,
  ESHUTDOWN,
  expectModule,
  expectTable,
  helperAssignModule,
  NF_CT_EXPECT_INACTIVE,
  NF_CT_EXPECT_PERMANENT,
  type NfConntrackExpect,
  nfCtExpectAlloc,
  nfCtExpectations,
  nfCtExpectFind,
  nfCtExpectFlush,
  nfCtExpectInit,
  nfCtExpectRelated,
  nfCtUnexpectRelated,
} from './index.js';
import type { ExpectTable } from './table.js';

const C = '198.18.0.1';
const S = '198.18.0.2';
const ip = (s: string) => {
  const p = s.split('.').map(Number);
  return (p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]! | 0;
};

/**
 * A third-party helper written against @ctrack/expect: on the first reply of a UDP
 * "control" conn to port 7000 it expects the client to open udp → server:7001 (class 0,
 * max 2) and may also make class 1 (max 1) expectations.
 */
let makeOnReply: ((ct: Conn) => void) | null = null;
const demo: Helper = {
  name: 'demo',
  l3num: NFPROTO_IPV4,
  protonum: 17,
  port: 7000,
  expectPolicy: [
    { maxExpected: 2, timeout: 30, name: 'data' },
    { maxExpected: 1, timeout: 10, name: 'aux' },
  ],
  expectClassMax: 1,
  help(_skb, _off, ct, ctinfo) {
    if (ctinfo >= 3 && makeOnReply !== null) makeOnReply(ct);
    return NF_ACCEPT;
  },
};
const demoModule: CtModule = {
  name: 'nf_conntrack_demo',
  requires: ['nf_conntrack_expect'],
  init(c) {
    c.get(HELPERS).register(demo);
  },
};

function lab() {
  const kernel = new Kernel();
  const clock = new VirtualClock(1_795_000_000_000_000);
  let seen: { ct: Conn | null; ctinfo: number } = { ct: null, ctinfo: -1 };
  const spy: CtModule = {
    name: 'spy',
    init(c) {
      c.get(HOOKS).register({
        pf: NFPROTO_IPV4,
        hooknum: NF_INET_POST_ROUTING,
        priority: 400,
        hook: (skb) => {
          seen = { ct: skb.ct, ctinfo: skb.ctinfo };
          return NF_ACCEPT;
        },
      });
    },
  };
  kernel.loadAll([
    ipv4Module,
    udpModule,
    ecacheModule,
    expectModule,
    demoModule,
    helperAssignModule({
      rules: [{ protonum: 17, dport: 7000, helper: 'demo' }],
      requires: ['nf_conntrack_demo'],
    }),
    spy,
  ]);
  const net = kernel.createNetns({ clock, hashSeed: 1, idSeed: 1 });
  const lines: string[] = [];
  subscribe(net, { groups: NFCT_ALL_EXP_GROUPS | 7 }, (ev) => lines.push(formatEvent(ev)));
  const skb = new Skb();
  const send = (src: string, dst: string, sport: number, dport: number) => {
    clock.advance(1000);
    const b = udpPacket(src, dst, { sport, dport, payload: new Uint8Array(4) });
    skb.set(b, 0, b.length, clock.nowUs());
    seen = { ct: null, ctinfo: -1 };
    const v = net.forward(skb);
    return { v, ...seen };
  };
  return { kernel, clock, net, lines, send };
}

function expectFor(master: Conn, dport: number, klass = 0, sport: number | null = null): NfConntrackExpect {
  const e = nfCtExpectAlloc(master);
  nfCtExpectInit(e, klass, NFPROTO_IPV4, ip(C), ip(S), 17, sport, dport);
  return e;
}

describe('@ctrack/expect with a third-party helper', () => {
  it('alloc/init/related → IPEXP_NEW; a matching new conn is EXPECTED, RELATED, takes it (DESTROY)', () => {
    const L = lab();
    let made: NfConntrackExpect | null = null;
    makeOnReply = (ct) => {
      if (made !== null) return;
      made = expectFor(ct, 7001);
      expect(nfCtExpectRelated(made)).toBe(0);
    };
    const ctl = L.send(C, S, 40000, 7000);
    expect(nfctHelp(ctl.ct!)!.helper).toBe(demo);
    L.send(S, C, 7000, 40000);
    makeOnReply = null;
    expect(L.lines.filter((l) => l.includes('proto=17'))).toEqual([
      `    [NEW] 30 proto=17 src=${C} dst=${S} sport=0 dport=7001 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=${C} master-dst=${S} sport=40000 dport=7000 class=0 helper=demo`,
    ]);
    expect(made!.timeout).toBe(L.net.jiffies + 30 * 250);
    ctl.ct!.mark = 42;
    const data = L.send(C, S, 12345, 7001);
    expect(data.ctinfo).toBe(IP_CT_RELATED);
    expect(data.ct!.status & IPS_EXPECTED).toBe(IPS_EXPECTED);
    expect(data.ct!.master).toBe(ctl.ct);
    expect(data.ct!.mark).toBe(42);
    expect(L.lines.at(-2)).toMatch(/^\[DESTROY\] 30 proto=17 .*dport=7001 /);
    expect(L.lines.at(-1)).toMatch(/^ {4}\[NEW\] udp .* dport=7001 /);
    // A second conn to the same port is NEW again (the expectation is gone).
    expect(L.send(C, S, 12346, 7001).ctinfo).toBe(IP_CT_NEW);
    expect(L.net.stats.expect_new).toBe(1);
  });

  it('the expectation helper and expectfn are applied to the new conn', () => {
    const L = lab();
    const ctl = L.send(C, S, 40000, 7000).ct!;
    L.send(S, C, 7000, 40000);
    const e = expectFor(ctl, 7001);
    e.helper = demo;
    let fnCt: Conn | null = null;
    e.expectfn = (ct) => {
      fnCt = ct;
    };
    expect(nfCtExpectRelated(e)).toBe(0);
    const d = L.send(C, S, 1, 7001);
    expect(nfctHelp(d.ct!)!.helper).toBe(demo);
    expect(fnCt).toBe(d.ct);
  });

  it('errors: ESHUTDOWN without helper ext, EALREADY on another class, EBUSY on a clash, EMFILE when full', () => {
    const L = lab();
    const ctl = L.send(C, S, 40000, 7000).ct!;
    L.send(S, C, 7000, 40000);
    const plain = L.send(C, S, 40001, 9).ct!; // no helper
    expect(nfCtExpectRelated(expectFor(plain, 7001))).toBe(-ESHUTDOWN);
    expect(nfCtExpectRelated(expectFor(ctl, 7001, 0))).toBe(0);
    expect(nfCtExpectRelated(expectFor(ctl, 7001, 1))).toBe(-EALREADY);
    // A second master's identical expectation clashes (EBUSY), also a masked-source overlap.
    const ctl2 = L.send(C, S, 40002, 7000).ct!;
    L.send(S, C, 7000, 40002);
    expect(nfCtExpectRelated(expectFor(ctl2, 7001))).toBe(-EBUSY);
    expect(nfCtExpectRelated(expectFor(ctl2, 7001, 0, 555))).toBe(-EBUSY);
    expect(nfCtExpectRelated(expectFor(ctl2, 7002))).toBe(0);
    L.net.sysctl.set('nf_conntrack_expect_max', 2);
    expect(nfCtExpectRelated(expectFor(ctl2, 7003, 1))).toBe(-EMFILE);
    expect(L.kernel.logs).toContain('nf_conntrack: expectation table full');
    L.net.sysctl.set('nf_conntrack_expect_max', 4096);
  });

  it('an expectation flood past expect_max: "expectation table full" is net_ratelimited (10 per 5 s)', () => {
    const L = lab();
    L.net.sysctl.set('nf_conntrack_expect_max', 1);
    const FULL = 'nf_conntrack: expectation table full';
    // 40 control conns within 80 ms, each asking for one expectation: 1 fits, 39 are refused.
    for (let i = 0; i < 40; i++) {
      const ctl = L.send(C, S, 30000 + i, 7000).ct!;
      L.send(S, C, 7000, 30000 + i);
      expect(nfCtExpectRelated(expectFor(ctl, 8000 + i))).toBe(i === 0 ? 0 : -EMFILE);
    }
    expect(L.kernel.logs).toEqual(Array(10).fill(FULL));
    // 6 s later the next refusal first reports the 29 suppressed lines.
    L.clock.advance(6_000_000);
    const ctl = L.send(C, S, 31000, 7000).ct!;
    L.send(S, C, 7000, 31000);
    expect(nfCtExpectRelated(expectFor(ctl, 9000))).toBe(-EMFILE);
    expect(L.kernel.logs.slice(10)).toEqual(['net_ratelimit: 29 callbacks suppressed', FULL]);
    L.net.sysctl.set('nf_conntrack_expect_max', 4096);
  });

  it('hashed by the destination tuple: 4096 expectations to one server cost a bucket each, not the whole list', () => {
    const L = lab();
    L.net.sysctl.set('nf_conntrack_expect_max', 8192);
    const ctl = L.send(C, S, 40000, 7000).ct!;
    L.send(S, C, 7000, 40000);
    // An unlimited policy, so one master holds them all (passive FTP to one server).
    nfctHelp(ctl)!.helper = { ...demo, expectPolicy: [{ maxExpected: 0, timeout: 300, name: 'bulk' }] };
    const table = expectTable(L.net) as unknown as ExpectTable;
    expect(table.hsize).toBe(1024); // 262144 buckets / 256
    for (let i = 0; i < 4096; i++) expect(nfCtExpectRelated(expectFor(ctl, 10000 + i))).toBe(0);
    // Before: one list per destination address, every insert walked all earlier ones
    // (4096 * 4095 / 2 = 8,386,560 compares).
    expect(table.compared).toBeLessThan(4096 * 32);
    const before = table.compared;
    const data = L.send(C, S, 5555, 10000 + 1234);
    expect(data.ctinfo).toBe(IP_CT_RELATED);
    expect(L.send(C, S, 5556, 9999).ctinfo).toBe(IP_CT_NEW);
    expect(table.compared - before).toBeLessThan(64);
    expect(table.count()).toBe(4095);
    L.net.sysctl.set('nf_conntrack_expect_max', 4096);
  });

  it('max_expected per class evicts the oldest of that class of the master', () => {
    const L = lab();
    const ctl = L.send(C, S, 40000, 7000).ct!;
    L.send(S, C, 7000, 40000);
    const a = expectFor(ctl, 7001);
    const b = expectFor(ctl, 7002);
    const c = expectFor(ctl, 7003);
    const x = expectFor(ctl, 7010, 1);
    for (const e of [a, b, x, c]) expect(nfCtExpectRelated(e)).toBe(0);
    expect(nfCtExpectations(L.net)).toEqual([b, x, c]);
    expect(nfctHelp(ctl)!.expecting.slice(0, 2)).toEqual([2, 1]);
    expect(L.net.stats.expect_delete).toBe(1);
  });

  it('timeout at the exact deadline per class policy; master deletion removes the rest', () => {
    const L = lab();
    const ctl = L.send(C, S, 40000, 7000).ct!;
    L.send(S, C, 7000, 40000);
    expect(nfCtExpectRelated(expectFor(ctl, 7001, 0))).toBe(0);
    expect(nfCtExpectRelated(expectFor(ctl, 7010, 1))).toBe(0);
    const aux = nfCtExpectations(L.net)[1]!;
    L.clock.advance(10_000_000 - 4000);
    L.net.syncClock();
    expect(nfCtExpectations(L.net)).toContain(aux);
    expect(formatExpect(aux).split(' ')[0]).toBe('0');
    L.clock.advance(4000);
    L.net.syncClock();
    expect(nfCtExpectations(L.net)).not.toContain(aux);
    expect(L.lines.at(-1)).toMatch(/^\[DESTROY\] 0 proto=17 .*dport=7010 .*class=1 helper=demo$/);
    nfCtDelete(ctl, 0, 0);
    expect(L.lines.at(-2)).toMatch(/^\[DESTROY\] udp /);
    expect(L.lines.at(-1)).toMatch(/^\[DESTROY\] \d+ proto=17 .*dport=7001 /);
    expect(L.net.expect!.count()).toBe(0);
  });

  it('PERMANENT matches many conns; INACTIVE never matches; find/unexpect/flush', () => {
    const L = lab();
    const ctl = L.send(C, S, 40000, 7000).ct!;
    L.send(S, C, 7000, 40000);
    const p = expectFor(ctl, 7001);
    const i = expectFor(ctl, 7002);
    expect(nfCtExpectRelated(p)).toBe(0);
    expect(nfCtExpectRelated(i)).toBe(0);
    p.flags |= NF_CT_EXPECT_PERMANENT;
    i.flags |= NF_CT_EXPECT_INACTIVE;
    expect(L.send(C, S, 1, 7001).ctinfo).toBe(IP_CT_RELATED);
    expect(L.send(C, S, 2, 7001).ctinfo).toBe(IP_CT_RELATED);
    expect(L.send(C, S, 3, 7002).ctinfo).toBe(IP_CT_NEW);
    expect(nfCtExpectFind(L.net, 0, i.tuple)).toBe(i);
    expect(nfCtUnexpectRelated(i)).toBe(true);
    expect(nfCtUnexpectRelated(i)).toBe(false);
    expect(nfCtExpectFlush(L.net)).toBe(1);
    expect(nfCtExpectations(L.net)).toEqual([]);
  });

  it('an unconfirmed master, or a zone mismatch, gives no match', () => {
    const L = lab();
    const ctl = L.send(C, S, 40000, 7000).ct!;
    L.send(S, C, 7000, 40000);
    expect(nfCtExpectRelated(expectFor(ctl, 7001))).toBe(0);
    ctl.zone = 5;
    expect(L.send(C, S, 1, 7001).ctinfo).toBe(IP_CT_NEW);
  });

  it('the module is needed: ENOENT without it; unload clears the table', () => {
    const k = new Kernel();
    k.loadAll([ipv4Module, udpModule]);
    const net = k.createNetns({ clock: new VirtualClock(0) });
    expect(() => nfCtExpectFlush(net)).toThrow(CtError);
    expect(nfCtExpectations(net)).toEqual([]);
    k.load(expectModule);
    expect(net.expect).not.toBeNull();
    k.unload('nf_conntrack_expect');
    expect(net.expect).toBeNull();
  });
});
