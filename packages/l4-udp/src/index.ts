/**
 * @ctrack/l4-udp: the UDP and UDP-Lite connection trackers (nf_conntrack_proto_udp),
 * Linux 6.18 behaviour: header/length/checksum checks, 30 s unreplied and 120 s stream
 * timeouts, ASSURED after 2 s with a reply.
 */
export { udpModule } from './module.js';
export { portsInvertTuple, portsPktToTuple, portsPrintTuple } from './ports.js';
export { UDP_NET, UDP_SYSCTLS, type UdpNet, udpInitNet } from './timeouts.js';
export { type UdpConn, udpL4Proto } from './udp.js';
export { udpChecksumOk, udpError } from './udp-error.js';
export { udpliteL4Proto } from './udplite.js';
