import type { InjectionToken } from 'tsyringe';
import type { Clock } from './clock.js';
import type { ExtensionRegistry } from './extend.js';
import type { HelperRegistry } from './helper.js';
import type { HookRegistry } from './hooks.js';
import type { Kernel } from './kernel.js';
import type { L3ProtoRegistry } from './l3proto-registry.js';
import type { L4ProtoRegistry } from './l4proto-registry.js';
import type { Netns } from './netns.js';
import type { Stats } from './stats.js';
import type { SysctlTable } from './sysctl.js';
import type { ConntrackTable } from './table.js';
import type { Timers } from './timers.js';

/**
 * DI tokens. Global registries live in the kernel's root container; per-netns state in
 * each Netns' child container. Resolve with `container.resolve(TOKEN)` or
 * `@inject(TOKEN)`; nothing depends on emitDecoratorMetadata.
 */
export const KERNEL: InjectionToken<Kernel> = Symbol.for('ctrack.kernel');
export const L3PROTOS: InjectionToken<L3ProtoRegistry> = Symbol.for('ctrack.l3protos');
export const L4PROTOS: InjectionToken<L4ProtoRegistry> = Symbol.for('ctrack.l4protos');
export const EXTENSIONS: InjectionToken<ExtensionRegistry> = Symbol.for('ctrack.extensions');
export const HELPERS: InjectionToken<HelperRegistry> = Symbol.for('ctrack.helpers');
export const HOOKS: InjectionToken<HookRegistry> = Symbol.for('ctrack.hooks');

export const NETNS: InjectionToken<Netns> = Symbol.for('ctrack.netns');
export const CLOCK: InjectionToken<Clock> = Symbol.for('ctrack.clock');
export const TABLE: InjectionToken<ConntrackTable> = Symbol.for('ctrack.table');
export const SYSCTL: InjectionToken<SysctlTable> = Symbol.for('ctrack.sysctl');
export const STATS: InjectionToken<Stats> = Symbol.for('ctrack.stats');
export const TIMERS: InjectionToken<Timers> = Symbol.for('ctrack.timers');
