import {
  type Conn,
  type ExpectPolicy,
  type Helper,
  IPPROTO_UDP,
  NF_ACCEPT,
  NF_DROP,
  NFPROTO_IPV4,
  type Skb,
} from '@ctrack/core';
import {
  NF_CT_EXPECT_CLASS_DEFAULT,
  nfCtExpectAlloc,
  nfCtExpectInit,
  nfCtExpectPut,
  nfCtExpectRelated,
} from '@ctrack/expect';

/** TFTP_PORT: the default (and usually only) value of the `ports=` module parameter. */
export const TFTP_PORT = 69;
/** MAX_PORTS of the `ports=` module parameter. */
export const TFTP_MAX_PORTS = 8;

/** TFTP opcodes (RFC 1350): the first two bytes of every datagram, big endian. */
export const TFTP_OPCODE_READ = 1;
export const TFTP_OPCODE_WRITE = 2;
export const TFTP_OPCODE_DATA = 3;
export const TFTP_OPCODE_ACK = 4;
export const TFTP_OPCODE_ERROR = 5;

/** tftp_exp_policy: one class, max_expected 1, timeout 5 min (the recordings show `300`). */
export const TFTP_EXPECT_POLICY: readonly ExpectPolicy[] = Object.freeze([
  Object.freeze({ maxExpected: 1, timeout: 5 * 60, name: 'tftp' }),
]);

/**
 * The opcode of the datagram whose UDP payload starts at `dataoff`, or -1 when the
 * payload is shorter than the 2-byte opcode (the kernel's skb_header_pointer fails
 * and the helper accepts).
 */
export function tftpOpcode(d: Uint8Array, dataoff: number, end: number): number {
  return dataoff + 2 > end ? -1 : (d[dataoff]! << 8) | d[dataoff + 1]!;
}

/**
 * tftp_help (docs/tftp.md §2, §3): a read (RRQ) or write (WRQ) request, in either direction, expects the
 * answer of the reply direction: from the reply tuple's source (the server, any
 * source port) to its destination (the client's address and port), UDP. The server
 * answers from a new port, so that answer is a new conn: RELATED, master = this conn,
 * no helper. DATA, ACK, ERROR and unknown opcodes are accepted untouched. An
 * expectation that cannot be added drops the request ("cannot add expectation").
 */
export function tftpHelp(skb: Skb, protoff: number, ct: Conn, _ctinfo: number): number {
  const op = tftpOpcode(skb.data, protoff + 8, skb.nhoff + skb.len);
  if (op !== TFTP_OPCODE_READ && op !== TFTP_OPCODE_WRITE) return NF_ACCEPT;
  const reply = ct.reply;
  const exp = nfCtExpectAlloc(ct);
  nfCtExpectInit(
    exp,
    NF_CT_EXPECT_CLASS_DEFAULT,
    ct.l3num,
    reply.src,
    reply.dst,
    IPPROTO_UDP,
    null,
    reply.dport,
  );
  // No NAT in ctrack: the expectation is registered here (the kernel's non-NAT branch).
  const verdict = nfCtExpectRelated(exp, 0) === 0 ? NF_ACCEPT : NF_DROP;
  nfCtExpectPut(exp);
  return verdict;
}

/**
 * The helper of the `index`-th port of `ports=` (nf_ct_helper_init, docs/tftp.md §1): named "tftp" on
 * port 69, "tftp-<index>" otherwise (the kernel names TFTP's extra helpers by their
 * position, not their port); tuple = (family, UDP, port).
 */
export function tftpHelper(port = TFTP_PORT, index = 0, l3num = NFPROTO_IPV4): Helper {
  return {
    name: port === TFTP_PORT ? 'tftp' : `tftp-${index}`,
    l3num,
    protonum: IPPROTO_UDP,
    port,
    expectPolicy: TFTP_EXPECT_POLICY,
    expectClassMax: 0,
    help: tftpHelp,
  };
}
