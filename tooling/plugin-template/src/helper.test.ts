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
import { EXAMPLE_PORT } from './helper.js';
import { createExampleModule } from './module.js';

const CLIENT = '198.18.0.1';
const SERVER = '198.18.0.2';

/** A router netns with the helper assigned by `udp dport EXAMPLE_PORT ct helper set "example"`. */
function lab(ports?: number[]) {
  const kernel = new Kernel();
  const port = ports?.[0] ?? EXAMPLE_PORT;
  const helper = port === EXAMPLE_PORT ? 'example' : `example-${port}`;
  kernel.loadAll([
    ipv4Module,
    udpModule,
    ecacheModule,
    expectModule,
    createExampleModule(ports === undefined ? {} : { ports }),
    helperAssignModule({
      requires: ['nf_conntrack_example'],
      rules: [{ protonum: 17, dport: port, helper }],
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
  const send = (src: string, sport: number, dst: string, dport: number, payload: string) => {
    const bytes = udpPacket(src, dst, { sport, dport, payload: new TextEncoder().encode(payload) });
    clock.advance(1000);
    skb.set(bytes, 0, bytes.length, clock.nowUs());
    return net.forward(skb);
  };
  return { kernel, net, lines, send, port };
}

const connTo = (net: Netns, dport: number): Conn | undefined =>
  net.conns().find((c) => c.orig.dport === dport);

describe('example helper', () => {
  it('a request expects the answer from any server port to the client port; the answer is RELATED', () => {
    const { net, lines, send } = lab();
    send(CLIENT, 40000, SERVER, EXAMPLE_PORT, 'request');
    expect(nfCtExpectations(net)).toHaveLength(1);
    send(SERVER, 50000, CLIENT, 40000, 'answer');
    const master = connTo(net, EXAMPLE_PORT);
    const related = connTo(net, 40000);
    expect(related?.master).toBe(master);
    expect(nfCtExpectations(net)).toHaveLength(0);
    expect(lines.filter((l) => l.includes('proto=17'))).toEqual([
      '    [NEW] 300 proto=17 src=198.18.0.2 dst=198.18.0.1 sport=0 dport=40000 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=198.18.0.1 master-dst=198.18.0.2 sport=40000 dport=9999 class=0 helper=example',
      '[DESTROY] 300 proto=17 src=198.18.0.2 dst=198.18.0.1 sport=0 dport=40000 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=198.18.0.1 master-dst=198.18.0.2 sport=40000 dport=9999 class=0 helper=example',
    ]);
  });

  it('an empty datagram is not a request: no expectation', () => {
    const { net, send } = lab();
    send(CLIENT, 40001, SERVER, EXAMPLE_PORT, '');
    expect(nfCtExpectations(net)).toHaveLength(0);
  });

  it('another port is named example-<port>', () => {
    const { kernel, net, send } = lab([7777]);
    expect(kernel.helpers.find('example-7777', 2, 17)?.port).toBe(7777);
    send(CLIENT, 40002, SERVER, 7777, 'request');
    expect(nfCtExpectations(net)).toHaveLength(1);
  });

  it('bad module parameters are EINVAL and leave nothing registered', () => {
    const kernel = new Kernel();
    kernel.loadAll([ipv4Module, udpModule, expectModule]);
    expect(() => kernel.load(createExampleModule({ ports: [0] }))).toThrow(CtError);
    expect(() => kernel.load(createExampleModule({ ports: [1, 2, 3, 4, 5, 6, 7, 8, 9] }))).toThrow(
      /at most 8/,
    );
    expect(kernel.isLoaded('nf_conntrack_example')).toBe(false);
    expect(kernel.helpers.find('example', 2, 17)).toBeUndefined();
  });
});
