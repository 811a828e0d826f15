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

/** The helper's well-known port (the kernel module's default `ports=`). */
export const EXAMPLE_PORT = 9999;
/** The `ports=` module parameter takes at most this many ports. */
export const EXAMPLE_MAX_PORTS = 8;

/** One expectation class: at most one pending answer per conn, for 5 minutes. */
export const EXAMPLE_EXPECT_POLICY: readonly ExpectPolicy[] = Object.freeze([
  Object.freeze({ maxExpected: 1, timeout: 5 * 60, name: 'example' }),
]);

/**
 * Whether the packet's payload (at `dataoff`) is a request that makes the server
 * answer from another port. Replace with the protocol's own test.
 */
export function exampleIsRequest(_d: Uint8Array, dataoff: number, end: number): boolean {
  return dataoff < end;
}

/**
 * help(): for a request, expect the server's answer: the reply tuple's source address
 * (the server) from any port, to the reply tuple's destination (the client's address
 * and port), UDP. The conn the answer creates is RELATED, with this conn as master.
 * An expectation that cannot be added drops the request (the client retransmits).
 */
export function exampleHelp(skb: Skb, protoff: number, ct: Conn, _ctinfo: number): number {
  const end = skb.nhoff + skb.len;
  const dataoff = protoff + 8;
  if (!exampleIsRequest(skb.data, dataoff, end)) return NF_ACCEPT;
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
  const verdict = nfCtExpectRelated(exp, 0) === 0 ? NF_ACCEPT : NF_DROP;
  nfCtExpectPut(exp);
  return verdict;
}

/** The helper descriptor for `port`: named "example" on the default port, "example-<port>" otherwise. */
export function exampleHelper(port = EXAMPLE_PORT, l3num = NFPROTO_IPV4): Helper {
  return {
    name: port === EXAMPLE_PORT ? 'example' : `example-${port}`,
    l3num,
    protonum: IPPROTO_UDP,
    port,
    expectPolicy: EXAMPLE_EXPECT_POLICY,
    expectClassMax: 0,
    help: exampleHelp,
  };
}
