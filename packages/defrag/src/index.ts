/**
 * @ctrack/defrag: nf_defrag_ipv4 + ip_defrag as conntrack sees them. Fragments are held
 * at PRE_ROUTING / LOCAL_OUT (priority -400) and the one completing a datagram continues
 * down the hooks as the whole datagram (docs/defrag.md).
 */
export * from './constants.js';
export {
  DEFRAG_NET,
  DEFRAG_REASONS,
  type DefragState,
  defragOf,
  type FragKey,
  ipv4ConntrackDefrag,
  type ReasmMib,
  type ReasmTimeoutReport,
} from './defrag.js';
export { defragModule, ipv4DefragOps } from './module.js';
