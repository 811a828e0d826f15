/**
 * The module lifecycle rules a plugin author relies on (issue 10 item 4) and the
 * service seam (item 1), through the public entry only: init is synchronous (a
 * returned Promise is EINVAL and unwound, and the context is closed to late
 * registrations), exit is optional, services are provided and found by token at root
 * and netns scope and withdrawn with their provider, and a missing dependency names
 * its npm package.
 */
import {
  CtError,
  type CtModule,
  defineToken,
  HOOKS,
  type HookOps,
  Kernel,
  L4PROTOS,
  type L4Proto,
  NF_ACCEPT,
  NFPROTO_IPV4,
  VirtualClock,
} from '@ctrack/core';
import { describe, expect, it } from 'vitest';

function ctErr(fn: () => unknown): CtError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CtError);
    return e as CtError;
  }
  throw new Error('expected a CtError, nothing was thrown');
}

const hookOps = (name: string): HookOps => ({
  pf: NFPROTO_IPV4,
  hooknum: 0,
  priority: 10,
  hook: () => NF_ACCEPT,
  name,
});

const proto = (l4proto: number): L4Proto => ({
  l3proto: NFPROTO_IPV4,
  l4proto,
  name: `p${l4proto}`,
  pktToTuple: () => true,
  invertTuple: () => true,
  packet: () => NF_ACCEPT,
});

/** Let every pending microtask and timer callback run (an async init's continuation). */
const settle = () => new Promise<void>((r) => setTimeout(r, 0));

describe('init is synchronous', () => {
  it('an async init is EINVAL; what it registered before its first await is unwound', async () => {
    const k = new Kernel();
    const ops = hookOps('early');
    const p = proto(33);
    const mod = {
      name: 'async_mod',
      async init(c) {
        c.get(HOOKS).register(ops);
        c.get(L4PROTOS).register(p);
        await Promise.resolve();
      },
    } as CtModule;
    const e = ctErr(() => k.load(mod));
    expect(e.code).toBe('EINVAL');
    expect(e.message).toMatch(/async_mod: init returned a Promise/);
    expect(k.isLoaded('async_mod')).toBe(false);
    expect(k.hooks.isRegistered(ops)).toBe(false);
    expect(k.l4protos.isRegistered(p)).toBe(false);
    await settle();
    expect(k.hooks.entries[NFPROTO_IPV4]![0]).toEqual([]);
  });

  it('a registration after the await is refused (EINVAL), so nothing leaks', async () => {
    const k = new Kernel();
    const late = hookOps('late');
    let lateError: unknown = null;
    const mod = {
      name: 'late_mod',
      async init(c) {
        const hooks = c.get(HOOKS); // taken before the await
        await Promise.resolve();
        try {
          hooks.register(late);
        } catch (e) {
          lateError = e;
        }
        try {
          c.provide(defineToken<object>('ctrack.test.late'), {});
        } catch (e) {
          lateError ??= e;
        }
      },
    } as CtModule;
    expect(ctErr(() => k.load(mod)).code).toBe('EINVAL');
    await settle();
    expect(lateError).toBeInstanceOf(CtError);
    expect((lateError as CtError).code).toBe('EINVAL');
    expect(k.hooks.isRegistered(late)).toBe(false);
    expect(k.find(defineToken<object>('ctrack.test.late'))).toBeUndefined();
    // the name is free again: a synchronous module of that name loads
    k.load({ name: 'late_mod', init: (c) => c.get(HOOKS).register(late) });
    expect(k.hooks.isRegistered(late)).toBe(true);
  });

  it('any thenable counts, and an async init that throws after its await leaves nothing loaded', async () => {
    const k = new Kernel();
    // biome-ignore lint/suspicious/noThenProperty: the point is a thenable that is not a Promise
    const thenable = { name: 'thenable', init: () => ({ then() {} }) } as unknown as CtModule;
    expect(ctErr(() => k.load(thenable)).code).toBe('EINVAL');
    const throwsLater = {
      name: 'throws_later',
      async init() {
        await Promise.resolve();
        throw new Error('too late');
      },
    } as CtModule;
    expect(ctErr(() => k.load(throwsLater)).code).toBe('EINVAL');
    await settle(); // the rejection is swallowed, not an unhandled rejection
    expect(k.modules()).toEqual([]);
  });

  it('an initNet returning a Promise is EINVAL and unwinds the module', () => {
    const k = new Kernel();
    k.createNetns({ clock: new VirtualClock(0) });
    const ops = hookOps('m');
    const mod = {
      name: 'async_net',
      init: (c) => c.get(HOOKS).register(ops),
      async initNet() {},
    } as CtModule;
    expect(ctErr(() => k.load(mod)).code).toBe('EINVAL');
    expect(k.hooks.isRegistered(ops)).toBe(false);
    expect(k.isLoaded('async_net')).toBe(false);
  });

  it('exit is optional: unload unwinds what init registered', () => {
    const k = new Kernel();
    const ops = hookOps('no_exit');
    k.load({ name: 'no_exit', init: (c) => c.get(HOOKS).register(ops) });
    k.unload('no_exit');
    expect(k.hooks.isRegistered(ops)).toBe(false);
  });
});

describe('services by token', () => {
  interface Counter {
    n: number;
  }
  const COUNTER = defineToken<Counter>('ctrack.test.counter');
  const PER_NET = defineToken<{ inum: number }>('ctrack.test.per-net');

  it('a token is its name: two definitions meet on the same symbol and slot', () => {
    const again = defineToken<Counter>('ctrack.test.counter');
    expect(again.key).toBe(COUNTER.key);
    expect(again.slot).toBe(COUNTER.slot);
    expect(COUNTER.key).toBe(Symbol.for('ctrack.test.counter'));
  });

  it('one module provides at the root, another finds it; unload withdraws it', () => {
    const k = new Kernel();
    const seen: number[] = [];
    k.load({ name: 'provider', init: (c) => c.provide(COUNTER, { n: 7 }) });
    k.load({
      name: 'user',
      requires: ['provider'],
      init: (c) => {
        seen.push(c.get(COUNTER).n);
      },
    });
    expect(seen).toEqual([7]);
    expect(k.get(COUNTER).n).toBe(7);
    expect(k.container.resolve(COUNTER.key)).toBe(k.get(COUNTER));
    expect(ctErr(() => k.load({ name: 'rival', init: (c) => c.provide(COUNTER, { n: 1 }) })).code).toBe(
      'EBUSY',
    );
    k.unload('user');
    k.unload('provider');
    expect(k.find(COUNTER)).toBeUndefined();
    expect(ctErr(() => k.get(COUNTER)).code).toBe('ENOENT');
  });

  it('per-netns services come from initNet, one per netns, withdrawn after exitNet', () => {
    const k = new Kernel();
    const a = k.createNetns({ clock: new VirtualClock(0) });
    const mod: CtModule = {
      name: 'pernet',
      init() {},
      initNet: (net) => net.provide(PER_NET, { inum: net.inum }),
    };
    k.load(mod);
    const b = k.createNetns({ clock: new VirtualClock(0) });
    expect(a.get(PER_NET)).toEqual({ inum: a.inum });
    expect(b.get(PER_NET)).toEqual({ inum: b.inum });
    expect(b.container.resolve(PER_NET.key)).toBe(b.get(PER_NET));
    expect(k.find(PER_NET)).toBeUndefined(); // not at the root
    // outside a module's initNet nobody may provide (nothing would withdraw it)
    expect(ctErr(() => a.provide(COUNTER, { n: 1 })).code).toBe('EINVAL');
    k.destroyNetns(b);
    expect(b.find(PER_NET)).toBeUndefined();
    k.unload('pernet');
    expect(a.find(PER_NET)).toBeUndefined();
  });
});

describe('missing dependencies name their npm package', () => {
  it("ctrack's own modules are known by package", () => {
    const k = new Kernel();
    const ftp: CtModule = { name: 'nf_conntrack_ftp', requires: ['nf_conntrack_expect'], init() {} };
    const e = ctErr(() => k.load(ftp));
    expect(e.code).toBe('ENOENT');
    expect(e.message).toContain(
      'module nf_conntrack_ftp requires nf_conntrack_expect (npm install @ctrack/expect)',
    );
  });

  it("a third party's module names its dependencies' packages with requiresPackages", () => {
    const k = new Kernel();
    const m: CtModule = {
      name: 'nf_conntrack_gre_helper',
      requires: ['nf_conntrack_proto_gre'],
      requiresPackages: { nf_conntrack_proto_gre: 'ctrack-gre' },
      init() {},
    };
    expect(ctErr(() => k.load(m)).message).toContain('nf_conntrack_proto_gre (npm install ctrack-gre)');
    const unknown: CtModule = { name: 'x', requires: ['nf_nowhere'], init() {} };
    expect(ctErr(() => k.load(unknown)).message).toMatch(
      /requires nf_nowhere, which no loaded package provides/,
    );
  });
});
