import { icmpPacket, tcpPacket, udpPacket } from '@ctrack/core/testing';
import { encapsulate } from '../../src/capture/frame.js';
import { LINKTYPE_ETHERNET } from '../../src/capture/linktype.js';
import { PcapWriter } from '../../src/capture/writer.js';

export const CLIENT = '198.18.0.1';
export const SERVER = '198.18.0.2';
/** 2026-11-21T08:46:20Z, near the conformance recordings. */
export const DEMO_T0 = 1_795_250_780_000_000;

const text = (s: string) => new TextEncoder().encode(s);

/**
 * The demo capture (fixtures/demo.pcap): a TCP echo session with handshake, data and
 * FIN close, a SYN refused by RST, two UDP request/replies, two pings and one ARP
 * frame, on Ethernet, 10 ms apart.
 */
export function demoPackets(): Uint8Array[] {
  const c = CLIENT;
  const s = SERVER;
  const hello = text('hello\n');
  const mss = { mss: 1460 };
  return [
    tcpPacket(c, s, { sport: 40001, dport: 8080, seq: 1000, flags: 'S', win: 64240, options: mss }),
    tcpPacket(s, c, {
      sport: 8080,
      dport: 40001,
      seq: 5000,
      ack: 1001,
      flags: 'SA',
      win: 65160,
      options: mss,
    }),
    tcpPacket(c, s, { sport: 40001, dport: 8080, seq: 1001, ack: 5001, flags: 'A', win: 64240 }),
    tcpPacket(c, s, {
      sport: 40001,
      dport: 8080,
      seq: 1001,
      ack: 5001,
      flags: 'PA',
      win: 64240,
      payload: hello,
    }),
    tcpPacket(s, c, { sport: 8080, dport: 40001, seq: 5001, ack: 1007, flags: 'A', win: 65160 }),
    tcpPacket(s, c, {
      sport: 8080,
      dport: 40001,
      seq: 5001,
      ack: 1007,
      flags: 'PA',
      win: 65160,
      payload: hello,
    }),
    tcpPacket(c, s, { sport: 40001, dport: 8080, seq: 1007, ack: 5007, flags: 'A', win: 64240 }),
    udpPacket(c, s, { sport: 40002, dport: 5353, payload: text('query') }),
    udpPacket(s, c, { sport: 5353, dport: 40002, payload: text('answer') }),
    icmpPacket(c, s, { type: 8, id: 0x1234, seq: 1, payload: text('ping') }),
    icmpPacket(s, c, { type: 0, id: 0x1234, seq: 1, payload: text('ping') }),
    ARP,
    tcpPacket(c, s, { sport: 40003, dport: 9, seq: 7000, flags: 'S', win: 64240, options: mss }),
    tcpPacket(s, c, { sport: 9, dport: 40003, seq: 0, ack: 7001, flags: 'RA', win: 0 }),
    icmpPacket(c, s, { type: 8, id: 0x1234, seq: 2, payload: text('ping') }),
    icmpPacket(s, c, { type: 0, id: 0x1234, seq: 2, payload: text('ping') }),
    udpPacket(c, s, { sport: 40002, dport: 5353, payload: text('query2') }),
    udpPacket(s, c, { sport: 5353, dport: 40002, payload: text('answer2') }),
    tcpPacket(c, s, { sport: 40001, dport: 8080, seq: 1007, ack: 5007, flags: 'FA', win: 64240 }),
    tcpPacket(s, c, { sport: 8080, dport: 40001, seq: 5007, ack: 1008, flags: 'FA', win: 65160 }),
    tcpPacket(c, s, { sport: 40001, dport: 8080, seq: 1008, ack: 5008, flags: 'A', win: 64240 }),
  ];
}

/** A marker for the ARP frame (not an IP packet). */
const ARP = new Uint8Array(0);

/** ARP who-has 198.18.0.2 tell 198.18.0.1 (28 bytes). */
function arpFrame(): Uint8Array {
  const f = new Uint8Array(14 + 28);
  f.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06], 0);
  f.set([0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 198, 18, 0, 1, 0, 0, 0, 0, 0, 0, 198, 18, 0, 2], 14);
  return f;
}

export function demoCapture(): Uint8Array {
  const w = new PcapWriter({ linktype: LINKTYPE_ETHERNET });
  demoPackets().forEach((p, i) => {
    const frame = p === ARP ? arpFrame() : encapsulate(LINKTYPE_ETHERNET, p);
    w.add(frame, DEMO_T0 + i * 10_000);
  });
  return w.toBytes();
}
