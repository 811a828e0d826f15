import { type Conn, CtError, Kernel, type Netns, Skb, VirtualClock } from '@ctrack/core';
import { udpPacket } from '@ctrack/core/testing';
import {
  ecacheModule,
  formatEvent,
  NFCT_ALL_CT_GROUPS,
  NFCT_ALL_EXP_GROUPS,
  subscribe,
} from '@ctrack/ecache';
import { expectModule, helperAssignModule, nfCtExpectations } from '@ctrack/expect';
import { ipv4Module } from '@ctrack/l3-ipv4';
import { udpModule } from '@ctrack/l4-udp';
import { describe, expect, it } from 'vitest';
import {
  TFTP_OPCODE_ACK,
  TFTP_OPCODE_DATA,
  TFTP_OPCODE_ERROR,
  TFTP_OPCODE_READ,
  TFTP_OPCODE_WRITE,
} from './helper.js';
import { createTftpModule, tftpModule } from './module.js';

const CLIENT = '198.18.0.1';
const SERVER = '198.18.0.2';

/** A TFTP datagram: opcode, then `rest` (a file name and mode, or a block number and data). */
function tftp(op: number, rest = ''): Uint8Array {
  const b = new Uint8Array(2 + rest.length);
  b[1] = op;
  b.set(new TextEncoder().encode(rest), 2);
  return b;
}

/** A router netns with `udp dport 69 ct helper set "tftp"`, as the recordings' nft ruleset. */
function lab() {
  const kernel = new Kernel();
  kernel.loadAll([
    ipv4Module,
    udpModule,
    ecacheModule,
    expectModule,
    tftpModule,
    helperAssignModule({
      requires: ['nf_conntrack_tftp'],
      rules: [{ protonum: 17, dport: 69, helper: 'tftp' }],
    }),
  ]);
  const clock = new VirtualClock(1_000_000);
  const net = kernel.createNetns({ clock, hashSeed: 1, idSeed: 1 });
  const lines: string[] = [];
  subscribe(
    net,
    { groups: NFCT_ALL_CT_GROUPS | NFCT_ALL_EXP_GROUPS },
    (ev) => void lines.push(formatEvent(ev)),
  );
  const skb = new Skb();
  const send = (src: string, sport: number, dst: string, dport: number, payload: Uint8Array) => {
    const bytes = udpPacket(src, dst, { sport, dport, payload });
    clock.advance(1000);
    skb.set(bytes, 0, bytes.length, clock.nowUs());
    return net.forward(skb);
  };
  return { kernel, net, lines, send };
}

const connFrom = (net: Netns, sport: number): Conn | undefined =>
  net.conns().find((c) => c.orig.sport === sport);
const expectLines = (lines: string[]) => lines.filter((l) => l.includes(' proto=17 '));

/** The expectation line of the tftp-read recording (tooling/conformance/fixtures/tftp-read). */
const KERNEL_EXPECT =
  '300 proto=17 src=198.18.0.2 dst=198.18.0.1 sport=0 dport=40069 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=198.18.0.1 master-dst=198.18.0.2 sport=40069 dport=69 class=0 helper=tftp';

describe('nf_conntrack_tftp', () => {
  for (const [what, op] of [
    ['RRQ', TFTP_OPCODE_READ],
    ['WRQ', TFTP_OPCODE_WRITE],
  ] as const) {
    it(`${what} expects the server's answer from any port to the client's port; the answer is RELATED`, () => {
      const { net, lines, send } = lab();
      send(CLIENT, 40069, SERVER, 69, tftp(op, 'hello.txt\0octet\0'));
      expect(expectLines(lines)).toEqual([`    [NEW] ${KERNEL_EXPECT}`]);
      const answer =
        op === TFTP_OPCODE_READ ? tftp(TFTP_OPCODE_DATA, '\x01data') : tftp(TFTP_OPCODE_ACK, '\0');
      send(SERVER, 52106, CLIENT, 40069, answer);
      const master = connFrom(net, 40069);
      const data = connFrom(net, 52106);
      expect(master).toBeDefined();
      expect(data?.master).toBe(master);
      expect(nfCtExpectations(net)).toHaveLength(0);
      expect(expectLines(lines)).toEqual([`    [NEW] ${KERNEL_EXPECT}`, `[DESTROY] ${KERNEL_EXPECT}`]);
      // The master conn carries the helper; the data conn does not.
      expect(lines.filter((l) => l.includes('helper=tftp id=') || l.endsWith('helper=tftp'))).toHaveLength(3);
    });
  }

  it('DATA, ACK, ERROR and a payload shorter than an opcode expect nothing', () => {
    const { net, send } = lab();
    send(CLIENT, 40070, SERVER, 69, tftp(TFTP_OPCODE_DATA, '\x01x'));
    send(CLIENT, 40071, SERVER, 69, tftp(TFTP_OPCODE_ACK, '\x01'));
    send(CLIENT, 40072, SERVER, 69, tftp(TFTP_OPCODE_ERROR, '\x01no\0'));
    send(CLIENT, 40073, SERVER, 69, new Uint8Array([0]));
    expect(nfCtExpectations(net)).toHaveLength(0);
  });

  it('a retransmitted RRQ keeps one expectation (max_expected 1)', () => {
    const { net, send } = lab();
    send(CLIENT, 40074, SERVER, 69, tftp(TFTP_OPCODE_READ, 'a\0octet\0'));
    send(CLIENT, 40074, SERVER, 69, tftp(TFTP_OPCODE_READ, 'a\0octet\0'));
    expect(nfCtExpectations(net)).toHaveLength(1);
  });

  it('ports= names the extra helpers tftp-<index>, as nf_ct_helper_init does for TFTP', () => {
    const kernel = new Kernel();
    kernel.loadAll([ipv4Module, udpModule, expectModule, createTftpModule({ ports: [69, 1069, 2069] })]);
    expect(kernel.helpers.find('tftp', 2, 17)?.port).toBe(69);
    expect(kernel.helpers.find('tftp-1', 2, 17)?.port).toBe(1069);
    expect(kernel.helpers.find('tftp-2', 2, 17)?.port).toBe(2069);
  });

  it('bad module parameters are EINVAL and leave nothing registered', () => {
    const kernel = new Kernel();
    kernel.loadAll([ipv4Module, udpModule, expectModule]);
    expect(() => kernel.load(createTftpModule({ ports: [70000] }))).toThrow(CtError);
    expect(() => kernel.load(createTftpModule({ ports: [1, 2, 3, 4, 5, 6, 7, 8, 9] }))).toThrow(/at most 8/);
    expect(kernel.isLoaded('nf_conntrack_tftp')).toBe(false);
    expect(kernel.helpers.find('tftp', 2, 17)).toBeUndefined();
  });
});
