/**
 * Two copies of @ctrack/expect in one process (issue 10 item 1): a plugin built against
 * its own copy of the package (here: a copy of this package's sources in a separate
 * directory, so every module of it — ExpectTable, the token, the api functions — is a
 * distinct instance) creates expectations that land in the table the loaded copy
 * provides, and the loaded copy matches them. The copies meet only through the token
 * `Symbol.for('ctrack.expect.table')`; nothing relies on instanceof or module state.
 */
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type Conn,
  type CtModule,
  HELPERS,
  type Helper,
  IPS_EXPECTED,
  Kernel,
  NF_ACCEPT,
  NFPROTO_IPV4,
  Skb,
  VirtualClock,
} from '@ctrack/core';
import { udpPacket } from '@ctrack/core/testing';
import { ecacheModule } from '@ctrack/ecache';
import { ipv4Module } from '@ctrack/l3-ipv4';
import { udpModule } from '@ctrack/l4-udp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as A from '../src/index.js';

type ExpectPackage = typeof A;
const here = dirname(fileURLToPath(import.meta.url));
let copyDir = '';
let B: ExpectPackage;

beforeAll(async () => {
  // Inside the package, so the copy resolves @ctrack/core like the original does.
  copyDir = mkdtempSync(join(here, '.expect-copy-'));
  const src = join(here, '..', 'src');
  for (const f of readdirSync(src))
    if (f.endsWith('.ts') && !f.endsWith('.test.ts')) cpSync(join(src, f), join(copyDir, f));
  B = (await import(pathToFileURL(join(copyDir, 'index.ts')).href)) as ExpectPackage;
});

afterAll(() => {
  if (copyDir !== '') rmSync(copyDir, { recursive: true, force: true });
});

const ip = (s: string) => s.split('.').reduce((a, o) => (a << 8) | Number(o) | 0, 0);
const C = '198.18.0.1';
const S = '198.18.0.2';

/** A helper written against copy B: on the first reply of udp → S:7000 it expects C → S:7001. */
function helperOnCopy(pkg: ExpectPackage): Helper {
  return {
    name: 'copyb',
    l3num: NFPROTO_IPV4,
    protonum: 17,
    port: 7000,
    expectPolicy: [{ maxExpected: 2, timeout: 30 }],
    expectClassMax: 0,
    help(_skb, _off, ct: Conn, ctinfo) {
      if (ctinfo < 3) return NF_ACCEPT;
      const e = pkg.nfCtExpectAlloc(ct);
      pkg.nfCtExpectInit(e, 0, NFPROTO_IPV4, ip(C), ip(S), 17, null, 7001);
      expect(pkg.nfCtExpectRelated(e)).toBe(0);
      pkg.nfCtExpectPut(e);
      return NF_ACCEPT;
    },
  };
}

describe('a plugin against a second copy of @ctrack/expect', () => {
  it('is a distinct copy whose token is the same', () => {
    expect(B.expectModule).not.toBe(A.expectModule);
    expect(B.nfCtExpectRelated).not.toBe(A.nfCtExpectRelated);
    expect(B.EXPECT_TABLE.key).toBe(A.EXPECT_TABLE.key);
    expect(B.EXPECT_TABLE.slot).toBe(A.EXPECT_TABLE.slot);
  });

  it("its expectations go into the loaded copy's table and make the expected conn RELATED", () => {
    const kernel = new Kernel();
    const helper = helperOnCopy(B);
    const plugin: CtModule = {
      name: 'nf_conntrack_copyb',
      requires: ['nf_conntrack_expect'],
      init: (c) => c.get(HELPERS).register(helper),
    };
    kernel.loadAll([
      ipv4Module,
      udpModule,
      ecacheModule,
      A.expectModule,
      plugin,
      A.helperAssignModule({
        rules: [{ protonum: 17, dport: 7000, helper: 'copyb' }],
        requires: ['nf_conntrack_copyb'],
      }),
    ]);
    // The other copy's module is the same kernel module: loading it too is EEXIST.
    expect(() => kernel.load(B.expectModule)).toThrow(/EEXIST/);
    const clock = new VirtualClock(1_795_000_000_000_000);
    const net = kernel.createNetns({ clock, hashSeed: 1, idSeed: 1 });
    const skb = new Skb();
    const send = (src: string, dst: string, sport: number, dport: number) => {
      clock.advance(1000);
      const b = udpPacket(src, dst, { sport, dport, payload: new Uint8Array(4) });
      skb.set(b, 0, b.length, clock.nowUs());
      return { v: net.forward(skb) };
    };
    send(C, S, 40000, 7000);
    send(S, C, 7000, 40000); // the reply: copy B's helper code inserts the expectation
    expect(A.nfCtExpectations(net)).toHaveLength(1);
    expect(B.nfCtExpectations(net)).toHaveLength(1);
    expect(B.expectTable(net)).toBe(A.expectTable(net));
    const exp = A.nfCtExpectations(net)[0]!;
    expect(B.nfCtExpectFind(net, 0, exp.tuple)).toBe(exp);
    // The expected conn: matched by the loaded copy's table in init_conntrack.
    expect(send(C, S, 40001, 7001).v).toBe(NF_ACCEPT);
    const conns = net.conns().filter((ct) => ct.orig.dport === 7001);
    expect(conns).toHaveLength(1);
    expect(conns[0]!.status & IPS_EXPECTED).toBe(IPS_EXPECTED);
    expect(A.nfCtExpectations(net)).toHaveLength(0);
  });
});
