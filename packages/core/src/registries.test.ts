import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from './clock.js';
import type { Conn } from './conn.js';
import { NF_ACCEPT, NFPROTO_IPV4, NFPROTO_IPV6, NFPROTO_NUMPROTO, NFPROTO_UNSPEC } from './constants.js';
import { CtError, ERRNO, type ErrnoCode } from './errors.js';
import type { ExtensionType } from './extend.js';
import { genericL4Proto } from './generic.js';
import { type Helper, NF_CT_HELPER_F_USERSPACE } from './helper.js';
import type { HookOps } from './hooks.js';
import { Kernel } from './kernel.js';
import type { L3Proto } from './l3proto.js';
import { genericL3Proto } from './l3proto.js';
import type { L4Proto } from './l4proto.js';
import type { EventNotifier } from './notifier.js';
import { defineToken } from './token.js';

const DCCP_NET = defineToken<{ inum: number }>('ctrack.test.dccp-net');

/** Run `fn` and return the CtError it throws (fails the test when it does not throw one). */
function ctErr(fn: () => unknown): CtError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CtError);
    return e as CtError;
  }
  throw new Error('expected a CtError, nothing was thrown');
}

function expectCode(fn: () => unknown, code: ErrnoCode): void {
  const e = ctErr(fn);
  expect(e.code).toBe(code);
  expect(e.errno).toBe(ERRNO[code]);
}

const l3 = (family: number, extra: Partial<L3Proto> = {}): L3Proto => ({
  l3proto: family,
  name: `l3-${family}`,
  pktToTuple: () => true,
  invertTuple: () => true,
  getL4proto: () => NF_ACCEPT,
  ...extra,
});

const l4 = (family: number, proto: number, extra: Partial<L4Proto> = {}): L4Proto => ({
  l3proto: family,
  l4proto: proto,
  name: `l4-${family}-${proto}`,
  pktToTuple: () => true,
  invertTuple: () => true,
  packet: () => NF_ACCEPT,
  ...extra,
});

const helper = (name: string, extra: Partial<Helper> = {}): Helper => ({
  name,
  l3num: NFPROTO_IPV4,
  protonum: 6,
  port: 21,
  expectPolicy: [{ maxExpected: 1, timeout: 300 }],
  expectClassMax: 0,
  help: () => NF_ACCEPT,
  ...extra,
});

function fakeNotifier(): EventNotifier & { reports: Array<[Conn, number]> } {
  const reports: Array<[Conn, number]> = [];
  return {
    reports,
    cache() {},
    deliverCached() {},
    report(ct, events) {
      reports.push([ct, events]);
      return true;
    },
    expectEvent() {},
  };
}

describe('CtError (README "Every failure is a CtError with code and errno")', () => {
  it.each([
    ['EBUSY', 16],
    ['EINVAL', 22],
    ['ENOMEM', 12],
    ['ENOENT', 2],
    ['EEXIST', 17],
    ['EPROTOTYPE', 91],
    ['EACCES', 13],
  ] as const)('%s has errno %i (Linux errno-base.h / errno.h)', (code, errno) => {
    const e = new CtError(code, 'x');
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe(code);
    expect(e.errno).toBe(errno);
    expect(e.name).toBe('CtError');
    expect(e.message).toBe(`${code}: x`);
  });
});

describe('l3proto registry (docs/registration.md §2)', () => {
  it('"proto.l3proto >= ... NFPROTO_NUMPROTO ⇒ EBUSY", checked before the descriptor (EINVAL)', () => {
    const k = new Kernel();
    expectCode(() => k.l3protos.register(l3(NFPROTO_NUMPROTO)), 'EBUSY');
    expectCode(() => k.l3protos.register(l3(200)), 'EBUSY');
    expectCode(() => k.l3protos.register(l3(-1)), 'EBUSY');
    // family out of range wins over the inconsistent descriptor: the checks run "in this order"
    expectCode(() => k.l3protos.register(l3(13, { tupleToNlattr: {} })), 'EBUSY');
    k.l3protos.register(l3(12)); // the last valid family
    expect(k.l3protos.find(12).name).toBe('l3-12');
  });

  it('"has tuple_to_nlattr but no nlattr_tuple_size ⇒ EINVAL", before the slot check', () => {
    const k = new Kernel();
    expectCode(() => k.l3protos.register(l3(NFPROTO_IPV4, { tupleToNlattr: {} })), 'EINVAL');
    expect(k.l3protos.find(NFPROTO_IPV4)).toBe(genericL3Proto);
    k.l3protos.register(l3(NFPROTO_IPV4, { tupleToNlattr: {}, nlattrTupleSize: () => 8 }));
    // slot taken AND inconsistent: EINVAL comes first
    expectCode(() => k.l3protos.register(l3(NFPROTO_IPV4, { tupleToNlattr: {} })), 'EINVAL');
  });

  it('"slot ≠ generic ⇒ EBUSY"; lookup never fails; try_module_get on generic ⇒ EPROTOTYPE', () => {
    const k = new Kernel();
    expect(k.l3protos.find(NFPROTO_IPV6)).toBe(genericL3Proto);
    expect(k.l3protos.find(99)).toBe(genericL3Proto);
    expectCode(() => k.l3protos.require(NFPROTO_IPV6), 'EPROTOTYPE');
    const a = l3(NFPROTO_IPV6);
    k.l3protos.register(a);
    expectCode(() => k.l3protos.register(l3(NFPROTO_IPV6)), 'EBUSY');
    expect(k.l3protos.find(NFPROTO_IPV6)).toBe(a);
    expect(k.l3protos.require(NFPROTO_IPV6)).toBe(a);
  });

  it('unregister restores generic; unregistering a proto not in its slot is refused', () => {
    const k = new Kernel();
    const a = l3(NFPROTO_IPV6);
    expectCode(() => k.l3protos.unregister(a), 'EINVAL');
    k.l3protos.register(a);
    k.l3protos.unregister(a);
    expect(k.l3protos.find(NFPROTO_IPV6)).toBe(genericL3Proto);
    k.l3protos.register(l3(NFPROTO_IPV6)); // the slot is free again
  });
});

describe('l4proto registry (docs/registration.md §3)', () => {
  it('"no array for this l3 yet ⇒ allocate 256 slots, fill all with generic" so an l4 loads before its l3', () => {
    const k = new Kernel();
    expect(k.l4protos.find(NFPROTO_IPV6, 132)).toBe(genericL4Proto);
    const sctp6 = l4(NFPROTO_IPV6, 132);
    k.l4protos.register(sctp6); // no l3 for family 10 is registered
    expect(k.l3protos.find(NFPROTO_IPV6)).toBe(genericL3Proto);
    expect(k.l4protos.isRegistered(sctp6)).toBe(true);
    for (const p of [0, 6, 17, 131, 133, 255]) expect(k.l4protos.find(NFPROTO_IPV6, p)).toBe(genericL4Proto);
    // other families keep having no array
    expect(k.l4protos.find(NFPROTO_IPV4, 132)).toBe(genericL4Proto);
    expect(k.l4protos.list().map((p) => p.name)).toEqual([sctp6.name]);
  });

  it('"array exists and slot ≠ generic ⇒ EBUSY"', () => {
    const k = new Kernel();
    const a = l4(NFPROTO_IPV4, 33);
    k.l4protos.register(a);
    expectCode(() => k.l4protos.register(l4(NFPROTO_IPV4, 33)), 'EBUSY');
    expect(k.l4protos.isRegistered(a)).toBe(true);
    k.l4protos.register(l4(NFPROTO_IPV4, 34)); // neighbour slot is free
  });

  it('"l4.l3proto >= PF_MAX (4.x: ≥ array size) ⇒ EBUSY", checked before EINVAL', () => {
    const k = new Kernel();
    expectCode(() => k.l4protos.register(l4(NFPROTO_NUMPROTO, 6)), 'EBUSY');
    expectCode(() => k.l4protos.register(l4(-1, 6)), 'EBUSY');
    expectCode(() => k.l4protos.register(l4(NFPROTO_NUMPROTO, 6, { toNlattr: {} })), 'EBUSY');
  });

  it('"to_nlattr set and nlattr_size missing, or tuple_to_nlattr set and nlattr_tuple_size missing ⇒ EINVAL"', () => {
    const k = new Kernel();
    expectCode(() => k.l4protos.register(l4(NFPROTO_IPV4, 33, { toNlattr: {} })), 'EINVAL');
    expectCode(() => k.l4protos.register(l4(NFPROTO_IPV4, 33, { tupleToNlattr: {} })), 'EINVAL');
    expectCode(
      () =>
        k.l4protos.register(l4(NFPROTO_IPV4, 33, { toNlattr: {}, nlattrSize: () => 4, tupleToNlattr: {} })),
      'EINVAL',
    );
    expect(k.l4protos.find(NFPROTO_IPV4, 33)).toBe(genericL4Proto);
    k.l4protos.register(
      l4(NFPROTO_IPV4, 33, {
        toNlattr: {},
        nlattrSize: () => 4,
        tupleToNlattr: {},
        nlattrTupleSize: () => 4,
      }),
    );
    // a protocol number that is not a u8 cannot name a slot
    expectCode(() => k.l4protos.register(l4(NFPROTO_IPV4, 256)), 'EINVAL');
  });

  it('"sysctl registration fails ⇒ that error; slot unchanged" and no knob of it stays', () => {
    const k = new Kernel();
    const net = k.createNetns({ clock: new VirtualClock(0) });
    const bad = l4(NFPROTO_IPV4, 33, {
      sysctls: [
        { name: 'nf_conntrack_dccp_timeout', default: 30 },
        { name: 'nf_conntrack_max', default: 1 }, // taken by core
      ],
    });
    expectCode(() => k.l4protos.register(bad), 'EBUSY');
    expect(k.l4protos.find(NFPROTO_IPV4, 33)).toBe(genericL4Proto);
    expect(net.sysctl.has('nf_conntrack_dccp_timeout')).toBe(false);
    expect(net.sysctl.get('nf_conntrack_max')).toBe(262144);
  });

  it('registers its sysctls and pernet data in every netns, also in one created later; unregister removes them', () => {
    const k = new Kernel();
    const n1 = k.createNetns({ clock: new VirtualClock(0) });
    const p = l4(NFPROTO_IPV4, 33, {
      sysctls: [{ name: 'nf_conntrack_dccp_timeout', default: 30, seconds: true }],
      initNet: (net) => net.provide(DCCP_NET, { inum: net.inum }),
    });
    k.l4protos.register(p);
    const n2 = k.createNetns({ clock: new VirtualClock(0) });
    for (const n of [n1, n2]) {
      expect(n.sysctl.get('nf_conntrack_dccp_timeout')).toBe(30);
      expect(n.get(DCCP_NET)).toEqual({ inum: n.inum });
    }
    n1.sysctl.set('nf_conntrack_dccp_timeout', 5);
    expect(n2.sysctl.get('nf_conntrack_dccp_timeout')).toBe(30);
    k.l4protos.unregister(p);
    for (const n of [n1, n2]) {
      expect(n.sysctl.has('nf_conntrack_dccp_timeout')).toBe(false);
      expect(n.find(DCCP_NET)).toBeUndefined();
    }
    expect(k.l4protos.find(NFPROTO_IPV4, 33)).toBe(genericL4Proto);
    expectCode(() => k.l4protos.unregister(p), 'EINVAL');
  });
});

describe('extension registry (docs/registration.md §4)', () => {
  const ext = (id: number, name = `ext${id}`): ExtensionType => ({ id, name });

  it('"slot taken ⇒ EBUSY" (core owns acct 3 and tstamp 5)', () => {
    const k = new Kernel();
    expectCode(() => k.extensions.register(ext(3)), 'EBUSY');
    expectCode(() => k.extensions.register(ext(5)), 'EBUSY');
    const e4 = ext(4, 'ecache');
    k.extensions.register(e4);
    expectCode(() => k.extensions.register(ext(4)), 'EBUSY');
    expect(k.extensions.find(4)).toBe(e4);
    k.extensions.unregister(e4);
    expect(k.extensions.find(4)).toBeUndefined();
    k.extensions.register(ext(4)); // free again
  });

  it('"id (< NF_CT_EXT_NUM)": an id ≥ 10, negative or fractional is EINVAL', () => {
    const k = new Kernel();
    for (const id of [10, 11, 255, -1, 1.5]) expectCode(() => k.extensions.register(ext(id)), 'EINVAL');
    k.extensions.register(ext(9));
  });

  it('attachers/destroyers follow registration', () => {
    const k = new Kernel();
    const e: ExtensionType = { id: 7, name: 'labels', attach() {}, destroy() {} };
    k.extensions.register(e);
    expect(k.extensions.attachers).toContain(e);
    expect(k.extensions.destroyers).toContain(e);
    k.extensions.unregister(e);
    expect(k.extensions.attachers).not.toContain(e);
    expect(k.extensions.destroyers).not.toContain(e);
  });
});

describe('helper registry (docs/registration.md §5: "EBUSY on duplicate name or tuple", 6.x)', () => {
  it('same name + family + proto is EBUSY; same name on another protocol is fine', () => {
    const k = new Kernel();
    k.helpers.register(helper('ftp'));
    expectCode(() => k.helpers.register(helper('ftp', { port: 2121 })), 'EBUSY');
    k.helpers.register(helper('ftp', { protonum: 17, port: 2121 }));
    expect(k.helpers.list()).toHaveLength(2);
  });

  it('a registered NFPROTO_UNSPEC helper takes the name for every family', () => {
    const k = new Kernel();
    k.helpers.register(helper('sip', { l3num: NFPROTO_UNSPEC, port: 5060 }));
    expectCode(() => k.helpers.register(helper('sip', { port: 5061 })), 'EBUSY');
    expect(k.helpers.find('sip', NFPROTO_IPV4, 6)?.port).toBe(5060);
  });

  it('same tuple under another name is EBUSY, except for a userspace helper (NF_CT_HELPER_F_USERSPACE)', () => {
    const k = new Kernel();
    k.helpers.register(helper('ftp'));
    expectCode(() => k.helpers.register(helper('ftp-b')), 'EBUSY');
    k.helpers.register(helper('ftp-user', { flags: NF_CT_HELPER_F_USERSPACE }));
    expect(k.helpers.find('ftp-user', NFPROTO_IPV4, 6)).toBeDefined();
  });

  it('name length ≥ NF_CT_HELPER_NAME_LEN (16) or empty is EINVAL; 15 characters is fine', () => {
    const k = new Kernel();
    expectCode(() => k.helpers.register(helper('x'.repeat(16))), 'EINVAL');
    expectCode(() => k.helpers.register(helper('')), 'EINVAL');
    k.helpers.register(helper('y'.repeat(15)));
  });

  it('max_expected > NF_CT_EXPECT_MAX_CNT (255) or expect_class_max ≥ 4 is EINVAL', () => {
    const k = new Kernel();
    expectCode(
      () => k.helpers.register(helper('a', { expectPolicy: [{ maxExpected: 256, timeout: 1 }] })),
      'EINVAL',
    );
    expectCode(() => k.helpers.register(helper('b', { expectClassMax: 4 })), 'EINVAL');
    k.helpers.register(helper('c', { expectPolicy: [{ maxExpected: 255, timeout: 1 }] }));
  });

  it('unregister frees both the name and the tuple', () => {
    const k = new Kernel();
    const h = helper('ftp');
    k.helpers.register(h);
    k.helpers.unregister(h);
    expect(k.helpers.find('ftp', NFPROTO_IPV4, 6)).toBeUndefined();
    k.helpers.register(helper('ftp'));
    expectCode(() => k.helpers.unregister(h), 'EINVAL');
  });
});

describe('event notifier slot (docs/registration.md §6: "ctrack ... EBUSY" for a second one, per netns)', () => {
  it('a second notifier in the same netns is EBUSY; another netns has its own slot', () => {
    const k = new Kernel();
    const n1 = k.createNetns({ clock: new VirtualClock(0) });
    const n2 = k.createNetns({ clock: new VirtualClock(0) });
    const a = fakeNotifier();
    n1.registerNotifier(a);
    expectCode(() => n1.registerNotifier(fakeNotifier()), 'EBUSY');
    n2.registerNotifier(fakeNotifier());
    expectCode(() => n1.unregisterNotifier(fakeNotifier()), 'EINVAL');
    n1.unregisterNotifier(a);
    n1.registerNotifier(fakeNotifier());
  });
});

describe('hook registry (docs/architecture.md "none; ordered by priority")', () => {
  const op = (priority: number, name: string, hooknum = 0, pf = NFPROTO_IPV4): HookOps => ({
    pf,
    hooknum,
    priority,
    name,
    hook: () => NF_ACCEPT,
  });

  it('entries run in ascending priority; an equal priority goes after the existing ones', () => {
    const k = new Kernel();
    for (const o of [
      op(0, 'filter'),
      op(-200, 'ct'),
      op(2147483647, 'confirm'),
      op(-400, 'defrag'),
      op(0, 'filter2'),
    ]) {
      k.hooks.register(o);
    }
    k.hooks.register(op(-200, 'ct2'));
    k.hooks.register(op(-2147483648, 'first'));
    expect(k.hooks.entries[NFPROTO_IPV4]![0]!.map((o) => o.name)).toEqual([
      'first',
      'defrag',
      'ct',
      'ct2',
      'filter',
      'filter2',
      'confirm',
    ]);
    // other hook points and families are untouched
    expect(k.hooks.entries[NFPROTO_IPV4]![1]).toHaveLength(0);
    expect(k.hooks.entries[NFPROTO_IPV6]![0]).toHaveLength(0);
  });

  it('registerMany unwinds on failure; unregister of an unknown entry is ENOENT', () => {
    const k = new Kernel();
    const good = op(0, 'good');
    expectCode(() => k.hooks.registerMany([good, op(0, 'bad', 9)]), 'EINVAL');
    expect(k.hooks.isRegistered(good)).toBe(false);
    expectCode(() => k.hooks.unregister(good), 'ENOENT');
  });
});

describe('descriptor normalisation (one shape on the packet path)', () => {
  it('every registered tracker has the same members in the same order, whatever its literal had', () => {
    const k = new Kernel();
    const a = l4(NFPROTO_IPV4, 33);
    const b = l4(NFPROTO_IPV4, 34, { error: () => NF_ACCEPT, allowClash: true, destroy: () => {} });
    k.l4protos.register(a);
    k.l4protos.register(b);
    const ra = k.l4protos.find(NFPROTO_IPV4, 33);
    const rb = k.l4protos.find(NFPROTO_IPV4, 34);
    expect(Object.keys(ra)).toEqual(Object.keys(rb));
    expect(Object.keys(ra)).toEqual(Object.keys(genericL4Proto));
    expect(ra.error).toBeUndefined();
    expect(rb.allowClash).toBe(true);
    expect(ra.allowClash).toBe(false);
    // the author's descriptor still names the registration
    expect(k.l4protos.isRegistered(a)).toBe(true);
    k.l4protos.unregister(a);
    expect(k.l4protos.isRegistered(a)).toBe(false);
    expect(k.l4protos.find(NFPROTO_IPV4, 33)).toBe(genericL4Proto);
  });
});
