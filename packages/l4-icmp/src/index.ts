/**
 * @ctrack/l4-icmp: the IPv4 ICMP connection tracker (nf_conntrack_proto_icmp), Linux
 * 6.18 behaviour: query conns for echo/timestamp/info/address-mask, and ICMP errors
 * attached RELATED / RELATED_REPLY to the conn of the packet they quote.
 */

export { type IcmpNet, icmpL4Proto } from './icmp.js';
export { icmpError, NR_ICMP_TYPES } from './icmp-error.js';
export { innerPktToTuple, invertTuple } from './inner-tuple.js';
export { icmpModule } from './module.js';
