/**
 * @ctrack/ecache: conntrack event cache and delivery (nf_conntrack_ecache with the
 * ctnetlink event side), listeners, and the conntrack-tools output formats.
 */
export * from './constants.js';
export { ConnEcache, CT_EXT_ECACHE, type EventMaskTemplate, nfCtEcacheFind } from './ecache-ext.js';
export type * from './event.js';
export {
  deltaTime,
  dumpConn,
  eventTag,
  type FormatOptions,
  formatConnBody,
  formatConnEvent,
  formatConntrack,
  formatEvent,
  formatProcConntrack,
  formatSecUs,
  l4Text,
  timestampPrefix,
  tupleText,
} from './format-conn.js';
export { formatExpect, formatExpectBody, formatExpectEvent, formatProcExpect } from './format-expect.js';
export { formatProcStat, formatStats, formatStatsExpect, type StatsOptions } from './format-stats.js';
export { connJson, eventJson, formatEventJson } from './json.js';
export type { Listener } from './listener-set.js';
export { ctnetlinkHasListener, ctnetlinkListenerCount } from './listeners.js';
export { ecacheExtension, ecacheModule } from './module.js';
export { type SecctxResolver, snapshotConn, snapshotExpect } from './snapshot.js';
export {
  EventQueue,
  ecacheOf,
  type QueueOptions,
  type SubscribeOptions,
  type Subscription,
  subscribe,
  subscribeQueue,
} from './subscribe.js';
export * from './tokens.js';
