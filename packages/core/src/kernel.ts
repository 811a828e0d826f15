import { type DependencyContainer, container as globalContainer } from 'tsyringe';
import { acctExtension } from './acct.js';
import { HZ, IPCT_HELPER, US_PER_JIFFY } from './constants.js';
import { CtError } from './errors.js';
import { ExtensionRegistry } from './extend.js';
import { type Helper, HelperRegistry } from './helper.js';
import { nfctHelp } from './helper-ext.js';
import { HookRegistry } from './hooks.js';
import type { L3Proto } from './l3proto.js';
import { L3ProtoRegistry } from './l3proto-registry.js';
import type { L4Proto } from './l4proto.js';
import { L4ProtoRegistry } from './l4proto-registry.js';
import type { CtModule, LoadedModule } from './module.js';
import { isThenable, LoaderContext } from './module-context.js';
import { missingModuleHint } from './module-packages.js';
import { Netns, type NetnsOptions } from './netns.js';
import { netRatelimitState } from './ratelimit.js';
import { RegistrationLog, unwind } from './registration-log.js';
import { ServiceSlots } from './services.js';
import { Sysctl, type SysctlDef } from './sysctl.js';
import { roundBuckets } from './table.js';
import type { Token } from './token.js';
import { EXTENSIONS, HELPERS, HOOKS, L3PROTOS, L4PROTOS } from './tokens.js';
import { tstampExtension } from './tstamp.js';

/**
 * A root container of its own: tsyringe exports only its global container, whose class
 * makes parentless containers; a child of the global one would see every global
 * registration.
 */
function isolatedContainer(): DependencyContainer {
  const Ctor = globalContainer.constructor as new () => DependencyContainer;
  return new Ctor();
}

export interface KernelOptions {
  /** Where kernel log lines go ("nf_conntrack: table full, dropping packet"). Default: collected in `kernel.logs`. */
  log?: (line: string) => void;
}

/**
 * The "kernel": its own root DI container (never tsyringe's global one) with the
 * registries (old model) and the services modules provide, the module loader
 * (insmod/rmmod) and the namespaces. The first Netns created is the init netns
 * (global sysctls are writable there only).
 */
export class Kernel {
  readonly container: DependencyContainer;
  /** Root-scope services by token (the registries, and what modules provide). */
  private readonly services: ServiceSlots;
  /** The registries, handed to modules as views that close when init returns. */
  private readonly guarded: ReadonlySet<object>;
  /** Undo steps of what each module's initNet provided/registered, per netns. */
  private readonly netUndo = new Map<CtModule, Map<Netns, Array<() => void>>>();
  /** Undo steps of what each l4 tracker's initNet provided, per netns. */
  private readonly l4NetUndo = new Map<L4Proto, Map<Netns, Array<() => void>>>();
  readonly registrations = new RegistrationLog();
  readonly l3protos: L3ProtoRegistry;
  readonly l4protos: L4ProtoRegistry;
  readonly extensions: ExtensionRegistry;
  readonly helpers: HelperRegistry;
  readonly hooks: HookRegistry;
  readonly namespaces: Netns[] = [];
  /** Kernel log lines, when no `log` option was given. */
  readonly logs: string[] = [];
  private readonly loaded: LoadedModule[] = [];
  private readonly contexts = new Map<CtModule, LoaderContext>();
  private readonly catalog = new Map<string, CtModule>();
  private readonly globals = new Map<string, Sysctl>();
  private readonly logFn: (line: string) => void;
  /** net_ratelimit_state, shared by every netns (ratelimit.ts). */
  private readonly netRatelimit = netRatelimitState(HZ);
  private nextInum = 0xf0000000;

  constructor(opts: KernelOptions = {}) {
    this.logFn = opts.log ?? ((line) => this.logs.push(line));
    this.container = isolatedContainer();
    this.services = new ServiceSlots(this.container, this.registrations, 'the kernel');
    this.l3protos = new L3ProtoRegistry(this.registrations, (p) => this.killL3(p));
    this.l4protos = new L4ProtoRegistry(this.registrations, {
      attachL4: (p) => this.attachL4(p),
      detachL4: (p) => this.detachL4(p),
    });
    this.extensions = new ExtensionRegistry(this.registrations);
    this.helpers = new HelperRegistry(this.registrations, { detachHelper: (h) => this.detachHelper(h) });
    this.hooks = new HookRegistry(this.registrations);
    const s = this.services;
    s.put(L3PROTOS, this.l3protos);
    s.put(L4PROTOS, this.l4protos);
    s.put(EXTENSIONS, this.extensions);
    s.put(HELPERS, this.helpers);
    s.put(HOOKS, this.hooks);
    this.guarded = new Set<object>([this.l3protos, this.l4protos, this.extensions, this.helpers, this.hooks]);
    // nf_conntrack core init: the extensions core owns.
    this.extensions.register(acctExtension);
    this.extensions.register(tstampExtension);
  }

  /** A root-scope service by token, or undefined (what modules provided in init). */
  find<T>(token: Token<T>): T | undefined {
    return this.services.find(token);
  }

  /** A root-scope service by token; ENOENT when nothing provides it. */
  get<T>(token: Token<T>): T {
    return this.services.get(token);
  }

  log(line: string): void {
    this.logFn(line);
  }

  /**
   * net_warn_ratelimited / net_info_ratelimited: log `line` unless the kernel-wide
   * net_ratelimit state (10 per 5 s, ratelimit.ts) suppresses it; the count of suppressed
   * lines is logged when the next interval starts. `net` gives the time.
   */
  logRatelimited(net: Netns, line: string): void {
    const abs = Math.floor(net.nowUs / US_PER_JIFFY);
    if (this.netRatelimit.allow(abs, this.logFn)) this.logFn(line);
  }

  /** A shared knob for `nf_conntrack_max` and the other global sysctls. */
  globalSysctl(def: SysctlDef): Sysctl {
    let s = this.globals.get(def.name);
    if (!s) {
      // Writing the bucket count rehashes every table (nf_conntrack_hash_resize); the knob
      // then reads back the size rounded up to ×512, as nf_conntrack_htable_size does.
      const knob: Sysctl = new Sysctl(
        def.name === 'nf_conntrack_buckets'
          ? {
              ...def,
              onWrite: (v) => {
                knob.value = roundBuckets(v);
                for (const n of this.namespaces) n.table.resize(knob.value);
              },
            }
          : def,
      );
      s = knob;
      this.globals.set(def.name, s);
    }
    return s;
  }

  // --- namespaces -------------------------------------------------------------------

  /** Create a network namespace: a child container with its own table, sysctls, stats, timers. */
  createNetns(opts: NetnsOptions): Netns {
    const child = this.container.createChildContainer();
    const isInit = this.namespaces.length === 0;
    const net = new Netns(this, child, isInit, { inum: isInit ? 0xf0000000 : ++this.nextInum, ...opts });
    const done: Array<() => void> = [];
    try {
      for (const p of this.l4protos.list()) {
        this.netAttachL4(net, p);
        done.push(() => this.netDetachL4(net, p, false));
      }
      for (const m of this.loaded) {
        if (m.module.initNet) {
          this.moduleInitNet(m.module, net);
          done.push(() => this.moduleExitNet(m.module, net));
        }
      }
    } catch (e) {
      unwind(done);
      throw e;
    }
    this.namespaces.push(net);
    return net;
  }

  /** Netns exit: delete every conn (DESTROY events), then the modules' exitNet in reverse. */
  destroyNetns(net: Netns): void {
    const i = this.namespaces.indexOf(net);
    if (i < 0) throw new CtError('ENOENT', 'netns is not registered');
    net.flush();
    for (let j = this.loaded.length - 1; j >= 0; j--) this.moduleExitNet(this.loaded[j]!.module, net);
    for (const p of this.l4protos.list()) this.netDetachL4(net, p, false);
    this.namespaces.splice(i, 1);
  }

  // --- modules (insmod / rmmod) ------------------------------------------------------

  /** Make modules known so `requires` can load them (like modules.dep). */
  addModules(...mods: CtModule[]): void {
    for (const m of mods) if (!this.catalog.has(m.name)) this.catalog.set(m.name, m);
  }

  /**
   * insmod: load `mod` after its requirements (loading known ones first; ENOENT for an
   * unknown one). A second load of a loaded name is EEXIST. A failing init is unwound
   * in reverse and leaves no trace.
   */
  load(mod: CtModule): void {
    this.addModules(mod);
    if (this.isLoaded(mod.name)) throw new CtError('EEXIST', `module ${mod.name} is already loaded`);
    this.checkResolvable(mod, []);
    this.loadResolved(mod, []);
  }

  /** modprobe: load each module not loaded yet, with its requirements. */
  loadAll(mods: readonly CtModule[]): void {
    this.addModules(...mods);
    for (const m of mods) if (!this.isLoaded(m.name)) this.checkResolvable(m, []);
    for (const m of mods) if (!this.isLoaded(m.name)) this.loadResolved(m, []);
  }

  /**
   * Like modprobe reading modules.dep before inserting anything: every requirement not
   * loaded yet must be known (ENOENT otherwise), so a missing one loads nothing.
   */
  private checkResolvable(mod: CtModule, chain: string[]): void {
    if (chain.includes(mod.name)) return; // cycles are reported by loadResolved
    for (const req of mod.requires ?? []) {
      if (this.isLoaded(req)) continue;
      const dep = this.catalog.get(req);
      if (!dep) throw new CtError('ENOENT', `module ${mod.name} requires ${missingModuleHint(mod, req)}`);
      this.checkResolvable(dep, [...chain, mod.name]);
    }
  }

  private loadResolved(mod: CtModule, chain: string[]): void {
    if (chain.includes(mod.name)) {
      throw new CtError('EINVAL', `module dependency cycle: ${[...chain, mod.name].join(' -> ')}`);
    }
    for (const req of mod.requires ?? []) {
      if (this.isLoaded(req)) continue;
      const dep = this.catalog.get(req);
      if (!dep) throw new CtError('ENOENT', `module ${mod.name} requires ${missingModuleHint(mod, req)}`);
      this.loadResolved(dep, [...chain, mod.name]);
    }
    const ctx = new LoaderContext(mod.name, this.services, this.guarded, this.container);
    const undo = this.registrations.collect(() => {
      const ret: unknown = ctx.run(() => mod.init(ctx));
      if (isThenable(ret)) {
        // Whatever it registered before its first await is unwound by collect; the
        // context is closed, so what it tries after the await fails (quietly here).
        ret.then(undefined, () => {});
        throw new CtError('EINVAL', `module ${mod.name}: init returned a Promise (init must be synchronous)`);
      }
    });
    const registered = this.registrations.lastWhat;
    const netDone: Netns[] = [];
    this.contexts.set(mod, ctx);
    try {
      if (mod.initNet) {
        for (const net of this.namespaces) {
          this.moduleInitNet(mod, net);
          netDone.push(net);
        }
      }
    } catch (e) {
      for (let i = netDone.length - 1; i >= 0; i--) this.moduleExitNet(mod, netDone[i]!);
      try {
        if (mod.exit) ctx.run(() => mod.exit!(ctx));
      } finally {
        unwind(undo);
        this.contexts.delete(mod);
      }
      throw e;
    }
    this.loaded.push({ module: mod, undo, registered });
  }

  /** A module's initNet, collecting what it provides in `net` (EINVAL for a Promise). */
  private moduleInitNet(mod: CtModule, net: Netns): void {
    if (!mod.initNet) return;
    const steps = this.registrations.collect(() => {
      const ret: unknown = mod.initNet!(net);
      if (isThenable(ret)) {
        ret.then(undefined, () => {});
        throw new CtError(
          'EINVAL',
          `module ${mod.name}: initNet returned a Promise (it must be synchronous)`,
        );
      }
    });
    let perNet = this.netUndo.get(mod);
    if (!perNet) {
      perNet = new Map();
      this.netUndo.set(mod, perNet);
    }
    perNet.set(net, steps);
  }

  /** A module's exitNet, then withdraw what its initNet provided in `net`. */
  private moduleExitNet(mod: CtModule, net: Netns): void {
    try {
      mod.exitNet?.(net);
    } finally {
      const perNet = this.netUndo.get(mod);
      const steps = perNet?.get(net);
      if (steps) unwind(steps);
      perNet?.delete(net);
      if (perNet?.size === 0) this.netUndo.delete(mod);
    }
  }

  /** rmmod: EBUSY while another loaded module requires it; ENOENT when not loaded. */
  unload(name: string): void {
    const i = this.loaded.findIndex((m) => m.module.name === name);
    if (i < 0) throw new CtError('ENOENT', `module ${name} is not loaded`);
    const user = this.loaded.find((m) => m.module.requires?.includes(name));
    if (user) throw new CtError('EBUSY', `module ${name} is in use by ${user.module.name}`);
    const m = this.loaded[i]!;
    for (let j = this.namespaces.length - 1; j >= 0; j--) this.moduleExitNet(m.module, this.namespaces[j]!);
    const ctx = this.contexts.get(m.module);
    try {
      if (m.module.exit && ctx) ctx.run(() => m.module.exit!(ctx));
    } finally {
      unwind(m.undo); // whatever exit left registered
      this.loaded.splice(i, 1);
      this.contexts.delete(m.module);
    }
  }

  /** Unload every module in reverse load order (avvio-style close). */
  shutdown(): void {
    for (let i = this.loaded.length - 1; i >= 0; i--) this.unload(this.loaded[i]!.module.name);
  }

  isLoaded(name: string): boolean {
    return this.loaded.some((m) => m.module.name === name);
  }

  /** Loaded modules in load order, with what each registered. */
  modules(): readonly LoadedModule[] {
    return this.loaded;
  }

  // --- registry hosts ---------------------------------------------------------------

  private attachL4(p: L4Proto): void {
    const done: Netns[] = [];
    try {
      for (const net of this.namespaces) {
        this.netAttachL4(net, p);
        done.push(net);
      }
    } catch (e) {
      for (const net of done) this.netDetachL4(net, p, false);
      throw e;
    }
  }

  private netAttachL4(net: Netns, p: L4Proto): void {
    const names: string[] = [];
    try {
      for (const def of p.sysctls ?? []) {
        net.sysctl.register(def);
        names.push(def.name);
      }
    } catch (e) {
      for (const n of names) net.sysctl.unregister(n);
      throw e;
    }
    if (p.initNet) {
      let steps: Array<() => void>;
      try {
        steps = this.registrations.collect(() => p.initNet!(net));
      } catch (e) {
        for (const n of names) net.sysctl.unregister(n);
        throw e;
      }
      let perNet = this.l4NetUndo.get(p);
      if (!perNet) {
        perNet = new Map();
        this.l4NetUndo.set(p, perNet);
      }
      perNet.set(net, steps);
    }
  }

  private detachL4(p: L4Proto): void {
    for (const net of this.namespaces) this.netDetachL4(net, p, true);
  }

  private netDetachL4(net: Netns, p: L4Proto, kill: boolean): void {
    if (kill) net.flush((ct) => ct.orig.l3num === p.l3proto && ct.orig.protonum === p.l4proto);
    for (const def of p.sysctls ?? []) net.sysctl.unregister(def.name);
    const perNet = this.l4NetUndo.get(p);
    const steps = perNet?.get(net);
    if (steps) unwind(steps);
    perNet?.delete(net);
    if (perNet?.size === 0) this.l4NetUndo.delete(p);
  }

  private killL3(p: L3Proto): void {
    for (const net of this.namespaces) net.flush((ct) => ct.orig.l3num === p.l3proto);
  }

  private detachHelper(h: Helper): void {
    for (const net of this.namespaces) {
      net.expect?.removeByHelper(h);
      for (const ct of net.conns()) {
        const help = nfctHelp(ct);
        if (help?.helper === h) {
          help.helper = null;
          net.notifier?.report(ct, IPCT_HELPER, 0, 0);
        }
      }
    }
  }
}
