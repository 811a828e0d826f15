/**
 * @ctrack/l4-tcp: nf_conntrack_proto_tcp, Linux 6.18's TCP state machine and window
 * tracking as a ctrack plugin.
 */
export * from './constants.js';
export { tcpL4Proto } from './l4proto.js';
export { tcpModule } from './module.js';
export { tcpCanEarlyDrop, tcpPacket } from './packet.js';
export { TCP_NET, TCP_SYSCTLS, TcpNet } from './sysctls.js';
export { TCP_CONNTRACKS, TCP_VALID_FLAGS, tcpConntrackIndex, tcpTransition } from './tables.js';
export { TcpConn, TcpSeen } from './tcp-conn.js';
