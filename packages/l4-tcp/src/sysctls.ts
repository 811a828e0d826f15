import { defineToken, type Netns, type Sysctl, type SysctlDef, type Token } from '@ctrack/core';
import {
  TCP_CONNTRACK_CLOSE,
  TCP_CONNTRACK_CLOSE_WAIT,
  TCP_CONNTRACK_ESTABLISHED,
  TCP_CONNTRACK_FIN_WAIT,
  TCP_CONNTRACK_LAST_ACK,
  TCP_CONNTRACK_RETRANS,
  TCP_CONNTRACK_SYN_RECV,
  TCP_CONNTRACK_SYN_SENT,
  TCP_CONNTRACK_TIME_WAIT,
  TCP_CONNTRACK_TIMEOUT_MAX,
  TCP_CONNTRACK_UNACK,
} from './constants.js';

/** The timeout knobs, by timeout slot (docs/tcp.md §1, docs/sysctl.md), Linux 6.18 defaults in seconds. */
const TIMEOUT_KNOBS: readonly (readonly [slot: number, name: string, seconds: number])[] = [
  [TCP_CONNTRACK_SYN_SENT, 'nf_conntrack_tcp_timeout_syn_sent', 120],
  [TCP_CONNTRACK_SYN_RECV, 'nf_conntrack_tcp_timeout_syn_recv', 60],
  [TCP_CONNTRACK_ESTABLISHED, 'nf_conntrack_tcp_timeout_established', 432000],
  [TCP_CONNTRACK_FIN_WAIT, 'nf_conntrack_tcp_timeout_fin_wait', 120],
  [TCP_CONNTRACK_CLOSE_WAIT, 'nf_conntrack_tcp_timeout_close_wait', 60],
  [TCP_CONNTRACK_LAST_ACK, 'nf_conntrack_tcp_timeout_last_ack', 30],
  [TCP_CONNTRACK_TIME_WAIT, 'nf_conntrack_tcp_timeout_time_wait', 120],
  [TCP_CONNTRACK_CLOSE, 'nf_conntrack_tcp_timeout_close', 10],
  [TCP_CONNTRACK_RETRANS, 'nf_conntrack_tcp_timeout_max_retrans', 300],
  [TCP_CONNTRACK_UNACK, 'nf_conntrack_tcp_timeout_unacknowledged', 300],
];

/** Every per-netns knob nf_conntrack_proto_tcp registers (6.18 names and defaults). */
export const TCP_SYSCTLS: readonly SysctlDef[] = [
  ...TIMEOUT_KNOBS.map(([, name, seconds]): SysctlDef => ({ name, default: seconds, seconds: true })),
  { name: 'nf_conntrack_tcp_loose', default: 1, max: 1 },
  { name: 'nf_conntrack_tcp_be_liberal', default: 0, max: 1 },
  { name: 'nf_conntrack_tcp_ignore_invalid_rst', default: 0, max: 1 },
  { name: 'nf_conntrack_tcp_max_retrans', default: 3, max: 255 },
];

/** A slot without a knob: NONE (the "new" timeout) and SYN_SENT2 stay at 120 s. */
const FIXED_120: Pick<Sysctl, 'value'> = { value: 120 };

/**
 * struct nf_tcp_net: the handles `packet()` reads on every packet (no name lookups on
 * the hot path). `timeouts[slot].value` is in seconds.
 */
export class TcpNet {
  readonly timeouts: Pick<Sysctl, 'value'>[];
  readonly loose: Sysctl;
  readonly beLiberal: Sysctl;
  readonly ignoreInvalidRst: Sysctl;
  readonly maxRetrans: Sysctl;

  constructor(net: Netns) {
    this.timeouts = new Array<Pick<Sysctl, 'value'>>(TCP_CONNTRACK_TIMEOUT_MAX).fill(FIXED_120);
    for (const [slot, name] of TIMEOUT_KNOBS) this.timeouts[slot] = net.sysctl.handle(name);
    this.loose = net.sysctl.handle('nf_conntrack_tcp_loose');
    this.beLiberal = net.sysctl.handle('nf_conntrack_tcp_be_liberal');
    this.ignoreInvalidRst = net.sysctl.handle('nf_conntrack_tcp_ignore_invalid_rst');
    this.maxRetrans = net.sysctl.handle('nf_conntrack_tcp_max_retrans');
  }
}

/** The TCP tracker's per-netns knob handles (struct nf_tcp_net), provided while it is registered. */
export const TCP_NET: Token<TcpNet> = defineToken('ctrack.l4-tcp.net');
