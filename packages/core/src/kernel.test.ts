import 'reflect-metadata';
import { container as globalContainer } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from './clock.js';
import { NF_ACCEPT, NFPROTO_IPV4 } from './constants.js';
import { CtError, type ErrnoCode } from './errors.js';
import { genericL4Proto } from './generic.js';
import { Kernel } from './kernel.js';
import type { L4Proto } from './l4proto.js';
import type { CtModule } from './module.js';
import type { Netns } from './netns.js';
import { NF_CT_BUCKETS_MAX } from './sysctl.js';
import { defineToken } from './token.js';
import { EXTENSIONS, HELPERS, HOOKS, L3PROTOS, L4PROTOS } from './tokens.js';

function expectCode(fn: () => unknown, code: ErrnoCode): void {
  let thrown: unknown = null;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(CtError);
  expect((thrown as CtError).code).toBe(code);
}

const l4 = (proto: number, extra: Partial<L4Proto> = {}): L4Proto => ({
  l3proto: NFPROTO_IPV4,
  l4proto: proto,
  name: `p${proto}`,
  pktToTuple: () => true,
  invertTuple: () => true,
  packet: () => NF_ACCEPT,
  ...extra,
});

const mod = (name: string, init: CtModule['init'] = () => {}, extra: Partial<CtModule> = {}): CtModule => ({
  name,
  init,
  ...extra,
});

const newNet = (k: Kernel) => k.createNetns({ clock: new VirtualClock(0) });

describe('module loader (docs/registration.md §1, README "Modules")', () => {
  it('loads known requirements first, from the catalog (provide) or the loadAll list', () => {
    const k = new Kernel();
    const order: string[] = [];
    const a = mod('a', () => order.push('a'));
    const b = mod('b', () => order.push('b'), { requires: ['a'] });
    const c = mod('c', () => order.push('c'), { requires: ['b', 'a'] });
    k.addModules(a, b);
    k.load(c);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(k.modules().map((m) => m.module.name)).toEqual(['a', 'b', 'c']);
    const k2 = new Kernel();
    const order2: string[] = [];
    k2.loadAll([
      mod('c', () => order2.push('c'), { requires: ['b'] }),
      mod('b', () => order2.push('b'), { requires: ['a'] }),
      mod('a', () => order2.push('a')),
    ]);
    expect(order2).toEqual(['a', 'b', 'c']);
  });

  it('an unknown requirement is ENOENT and nothing is loaded, not even the known ones', () => {
    const k = new Kernel();
    let inits = 0;
    k.addModules(mod('a', () => inits++));
    expectCode(() => k.load(mod('x', () => inits++, { requires: ['a', 'nope'] })), 'ENOENT');
    expect(inits).toBe(0);
    expect(k.modules()).toHaveLength(0);
  });

  it('a second load of a loaded name is EEXIST; loadAll skips loaded modules', () => {
    const k = new Kernel();
    let n = 0;
    const a = mod('a', () => n++);
    k.load(a);
    expectCode(() => k.load(a), 'EEXIST');
    expectCode(() => k.load(mod('a')), 'EEXIST');
    k.loadAll([a]);
    expect(n).toBe(1);
  });

  it('"a failing step returns its error after undoing only the steps already done, in reverse"', () => {
    const k = new Kernel();
    const net = newNet(k);
    const log: string[] = [];
    const hook = { pf: NFPROTO_IPV4, hooknum: 0, priority: 5, hook: () => NF_ACCEPT, name: 'h' };
    const ext = { id: 8, name: 'synproxy' };
    const proto = l4(33, { sysctls: [{ name: 'nf_conntrack_dccp_timeout', default: 30 }] });
    const bad = mod('bad', (c) => {
      c.get(L4PROTOS).register(proto);
      k.registrations.record(() => log.push('undo 1'));
      c.get(HOOKS).register(hook);
      k.registrations.record(() => log.push('undo 2'));
      c.get(EXTENSIONS).register(ext);
      k.registrations.record(() => log.push('undo 3'));
      c.get(L4PROTOS).register(l4(33)); // EBUSY: taken by the first step
    });
    expectCode(() => k.load(bad), 'EBUSY');
    expect(log).toEqual(['undo 3', 'undo 2', 'undo 1']);
    expect(k.isLoaded('bad')).toBe(false);
    expect(k.l4protos.find(NFPROTO_IPV4, 33)).toBe(genericL4Proto);
    expect(k.hooks.isRegistered(hook)).toBe(false);
    expect(k.extensions.find(8)).toBeUndefined();
    expect(net.sysctl.has('nf_conntrack_dccp_timeout')).toBe(false);
    // no trace: the same module, fixed, loads
    k.load(mod('bad', (c) => c.get(L4PROTOS).register(proto)));
    expect(k.l4protos.isRegistered(proto)).toBe(true);
  });

  it('an initNet failure undoes exitNet for the netns done, exit, and the registrations', () => {
    const k = new Kernel();
    const n1 = newNet(k);
    const n2 = newNet(k);
    const log: string[] = [];
    const proto = l4(33);
    const m = mod('m', (c) => c.get(L4PROTOS).register(proto), {
      initNet(net: Netns) {
        if (net === n2) throw new CtError('ENOMEM', 'pernet');
        log.push(`initNet ${net.inum === n1.inum ? 1 : 2}`);
      },
      exitNet(net: Netns) {
        log.push(`exitNet ${net.inum === n1.inum ? 1 : 2}`);
      },
      exit() {
        log.push('exit');
      },
    });
    expectCode(() => k.load(m), 'ENOMEM');
    expect(log).toEqual(['initNet 1', 'exitNet 1', 'exit']);
    expect(k.isLoaded('m')).toBe(false);
    expect(k.l4protos.find(NFPROTO_IPV4, 33)).toBe(genericL4Proto);
  });

  it('a netns created while a module is loaded gets initNet; a failing one leaves no netns behind', () => {
    const k = new Kernel();
    newNet(k);
    const seen: string[] = [];
    let fail = false;
    k.load(
      mod('ok', () => {}, {
        initNet: () => seen.push('ok init'),
        exitNet: () => seen.push('ok exit'),
      }),
    );
    k.load(
      mod('flaky', () => {}, {
        initNet: () => {
          if (fail) throw new CtError('ENOMEM', 'x');
        },
      }),
    );
    seen.length = 0;
    fail = true;
    expectCode(() => newNet(k), 'ENOMEM');
    expect(seen).toEqual(['ok init', 'ok exit']);
    expect(k.namespaces).toHaveLength(1);
  });

  it('unload is EBUSY while another loaded module requires it, ENOENT when not loaded; exit runs', () => {
    const k = new Kernel();
    const log: string[] = [];
    const proto = l4(33);
    k.load(mod('a', (c) => c.get(L4PROTOS).register(proto), { exit: () => log.push('exit a') }));
    k.load(mod('b', () => {}, { requires: ['a'], exit: () => log.push('exit b') }));
    expectCode(() => k.unload('a'), 'EBUSY');
    expect(k.isLoaded('a')).toBe(true);
    k.unload('b');
    k.unload('a');
    expect(log).toEqual(['exit b', 'exit a']);
    // what init registered and exit left is undone
    expect(k.l4protos.find(NFPROTO_IPV4, 33)).toBe(genericL4Proto);
    expectCode(() => k.unload('a'), 'ENOENT');
  });

  it('shutdown unloads in reverse load order', () => {
    const k = new Kernel();
    const log: string[] = [];
    k.loadAll(['a', 'b', 'c'].map((n) => mod(n, () => {}, { exit: () => log.push(n) })));
    k.load(mod('d', () => {}, { requires: ['a'], exit: () => log.push('d') }));
    k.shutdown();
    expect(log).toEqual(['d', 'c', 'b', 'a']);
    expect(k.modules()).toHaveLength(0);
  });
});

describe('sysctls (docs/sysctl.md "Core")', () => {
  it("defaults are Linux 6.18's", () => {
    const net = newNet(new Kernel());
    const want: Record<string, number> = {
      nf_conntrack_max: 262144,
      nf_conntrack_count: 0,
      nf_conntrack_buckets: 262144,
      nf_conntrack_expect_max: 4096,
      nf_conntrack_checksum: 1,
      nf_conntrack_log_invalid: 0,
      nf_conntrack_acct: 0,
      nf_conntrack_timestamp: 0,
      nf_conntrack_events: 2,
      nf_conntrack_generic_timeout: 600,
    };
    for (const [name, v] of Object.entries(want)) {
      expect(net.sysctl.get(name), name).toBe(v);
      expect(net.sysctl.get(`net.netfilter.${name}`), name).toBe(v);
    }
    expect(net.table.size).toBe(262144);
  });

  it('EINVAL for an unknown name, a non-integer, or a value out of range', () => {
    const net = newNet(new Kernel());
    expectCode(() => net.sysctl.set('nf_conntrack_nope', 1), 'EINVAL');
    expectCode(() => net.sysctl.set('nf_conntrack_checksum', 2), 'EINVAL'); // u8 0..1
    expectCode(() => net.sysctl.set('nf_conntrack_events', 3), 'EINVAL');
    expectCode(() => net.sysctl.set('nf_conntrack_log_invalid', 256), 'EINVAL'); // u8
    expectCode(() => net.sysctl.set('nf_conntrack_generic_timeout', -1), 'EINVAL');
    expectCode(() => net.sysctl.set('nf_conntrack_generic_timeout', 1.5), 'EINVAL');
    expectCode(() => net.sysctl.set('nf_conntrack_generic_timeout', 'abc'), 'EINVAL');
    expectCode(() => net.sysctl.set('nf_conntrack_max', 2147483648), 'EINVAL'); // int 0..INT_MAX
    expectCode(() => net.sysctl.set('nf_conntrack_expect_max', 0), 'EINVAL'); // min 1
    expect(net.sysctl.get('nf_conntrack_checksum')).toBe(1);
    net.sysctl.set('net.netfilter.nf_conntrack_generic_timeout', ' 30 ');
    expect(net.sysctl.get('nf_conntrack_generic_timeout')).toBe(30);
    net.sysctl.set('nf_conntrack_max', 0); // "0 = no limit"
    expect(net.max.value).toBe(0);
  });

  it('"global = one value, writable only in the init netns (read-only 0444 elsewhere)": EACCES', () => {
    const k = new Kernel();
    const init = newNet(k);
    const other = newNet(k);
    for (const name of ['nf_conntrack_max', 'nf_conntrack_buckets', 'nf_conntrack_expect_max']) {
      expectCode(() => other.sysctl.set(name, 1024), 'EACCES');
    }
    init.sysctl.set('nf_conntrack_max', 1000);
    expect(other.sysctl.get('nf_conntrack_max')).toBe(1000);
    expect(other.max.value).toBe(1000);
    // nf_conntrack_count is read-only everywhere
    expectCode(() => init.sysctl.set('nf_conntrack_count', 1), 'EACCES');
  });

  it('"netns = own value per namespace (new netns starts from the compiled default)"', () => {
    const k = new Kernel();
    const a = newNet(k);
    a.sysctl.set('nf_conntrack_acct', 1);
    a.sysctl.set('nf_conntrack_generic_timeout', 60);
    const b = newNet(k);
    expect(b.sysctl.get('nf_conntrack_acct')).toBe(0);
    expect(b.sysctl.get('nf_conntrack_generic_timeout')).toBe(600);
    expect(a.sysctl.get('nf_conntrack_acct')).toBe(1);
  });

  it('nf_conntrack_count reads the live per-netns count', () => {
    const k = new Kernel();
    const a = newNet(k);
    const b = newNet(k);
    a.count = 7; // what init_conntrack / destroy maintain
    expect(a.sysctl.get('nf_conntrack_count')).toBe(7);
    expect(b.sysctl.get('nf_conntrack_count')).toBe(0);
    expect(a.sysctl.entries().find(([n]) => n === 'nf_conntrack_count')?.[1]).toBe(7);
  });

  it('"nf_conntrack_buckets ... writing resizes/rehashes (rounded up to ×512)" in every netns', () => {
    const k = new Kernel();
    const a = newNet(k);
    const b = newNet(k);
    a.sysctl.set('nf_conntrack_buckets', 1000);
    expect(a.table.size).toBe(1024);
    expect(b.table.size).toBe(1024);
    expect(a.sysctl.get('nf_conntrack_buckets')).toBe(1024);
    // max is not changed by a resize (docs/core.md §3)
    expect(a.sysctl.get('nf_conntrack_max')).toBe(262144);
    // a netns created afterwards uses the new size
    expect(newNet(k).table.size).toBe(1024);
    expectCode(() => a.sysctl.set('nf_conntrack_buckets', 0), 'EINVAL');
  });

  it('nf_conntrack_buckets is bounded (README "Sysctl bounds"): too large is EINVAL, nothing allocated', () => {
    const k = new Kernel();
    const a = newNet(k);
    // Before the bound, 2147483647 passed validation and the resize ran V8 out of memory.
    for (const v of [2147483647, 100_000_000, NF_CT_BUCKETS_MAX + 1]) {
      expectCode(() => a.sysctl.set('nf_conntrack_buckets', v), 'EINVAL');
      expectCode(() => a.sysctl.set('nf_conntrack_buckets', String(v)), 'EINVAL');
    }
    expect(a.table.size).toBe(262144);
    expect(a.sysctl.get('nf_conntrack_buckets')).toBe(262144);
    expect(() => a.sysctl.set('nf_conntrack_buckets', 2147483647)).toThrow(/1\.\.16777216/);
  });
});

describe('namespaces and DI (docs/architecture.md: "one process can run many independent trackers")', () => {
  it('two Netns share no table, stats, sysctl table, timers, clock or container', () => {
    const k = new Kernel();
    const a = newNet(k);
    const b = newNet(k);
    expect(a.isInitNet).toBe(true);
    expect(b.isInitNet).toBe(false);
    expect(a.inum).not.toBe(b.inum);
    expect(a.table).not.toBe(b.table);
    expect(a.stats).not.toBe(b.stats);
    expect(a.sysctl).not.toBe(b.sysctl);
    expect(a.timers).not.toBe(b.timers);
    expect(a.container).not.toBe(b.container);
    a.stats.invalid++;
    expect(b.stats.invalid).toBe(0);
    // two kernels share no globals either
    const k2 = new Kernel();
    newNet(k2).sysctl.set('nf_conntrack_max', 5);
    expect(a.max.value).toBe(262144);
  });

  it('the registries are root services; each kernel has its own root, isolated from the global container', () => {
    const k = new Kernel();
    const a = newNet(k);
    expect(k.get(L3PROTOS)).toBe(k.l3protos);
    expect(k.get(L4PROTOS)).toBe(k.l4protos);
    expect(k.get(EXTENSIONS)).toBe(k.extensions);
    expect(k.get(HELPERS)).toBe(k.helpers);
    expect(k.get(HOOKS)).toBe(k.hooks);
    // the same services through tsyringe, at the root and from a netns child container
    expect(k.container.resolve(L4PROTOS.key)).toBe(k.l4protos);
    expect(a.container.resolve(HOOKS.key)).toBe(k.hooks);
    // something registered on tsyringe's global container is not visible to a kernel
    const leak = defineToken<{ leaked: true }>('ctrack.test.global-leak');
    globalContainer.register(leak.key, { useValue: { leaked: true } });
    try {
      expect(k.container.isRegistered(leak.key, true)).toBe(false);
      expect(a.container.isRegistered(leak.key, true)).toBe(false);
      expect(new Kernel().container.isRegistered(leak.key, true)).toBe(false);
      expect(() => k.container.resolve(leak.key)).toThrow();
      expect(k.find(leak)).toBeUndefined();
    } finally {
      globalContainer.reset();
    }
    // a second kernel has its own root
    expect(new Kernel().get(L4PROTOS)).not.toBe(k.l4protos);
  });

  it('destroyNetns runs exitNet and forgets the netns; an unknown netns is ENOENT', () => {
    const k = new Kernel();
    newNet(k);
    const exits: Netns[] = [];
    k.load(mod('m', () => {}, { exitNet: (n) => exits.push(n) }));
    const b = newNet(k);
    k.destroyNetns(b);
    expect(exits).toEqual([b]);
    expect(k.namespaces).not.toContain(b);
    expectCode(() => k.destroyNetns(b), 'ENOENT');
  });
});
