/**
 * @ctrack/core: Linux netfilter connection tracking's core, rebuilt in TypeScript.
 * Registries (old model, EBUSY semantics), the module loader, hooks, the tuple hash
 * table, the conntrack_in / confirm pipeline, timers, stats, sysctls and the generic
 * l4 tracker. Protocols, helpers and events come from plugin packages.
 */
import 'reflect-metadata';

export * from './acct.js';
export * from './checksum.js';
export * from './clock.js';
export * from './conn.js';
export {
  nfConntrackConfirm,
  nfConntrackEventCache,
  nfConntrackFind,
  nfConntrackHelperHook,
  nfConntrackIn,
  nfCtDelete,
  nfCtPut,
  nfCtSet,
  relatedCtinfo,
} from './conntrack-core.js';
export * from './constants.js';
export * from './ct-ext.js';
export * from './errors.js';
export * from './expect-point.js';
export * from './extend.js';
export * from './generic.js';
export * from './helper.js';
export * from './helper-ext.js';
export * from './hooks.js';
export * from './indexed-heap.js';
export * from './jhash.js';
export * from './kernel.js';
export * from './l3proto.js';
export * from './l3proto-registry.js';
export * from './l4proto.js';
export * from './l4proto-registry.js';
export * from './module.js';
export * from './netns.js';
export * from './notifier.js';
export * from './refresh.js';
export * from './registration-log.js';
export * from './siphash.js';
export * from './skb.js';
export * from './stats.js';
export * from './sysctl.js';
export * from './table.js';
export * from './timer-source.js';
export * from './timers.js';
export * from './token.js';
export * from './tokens.js';
export * from './tstamp.js';
export * from './tuple.js';
