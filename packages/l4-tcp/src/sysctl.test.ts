import { IP_CT_ESTABLISHED, IP_CT_INVALID, IP_CT_NEW } from '@ctrack/core';
import { ipv4, tcp } from '@ctrack/core/testing';
import { describe, expect, it } from 'vitest';
import { A, B, bytes, HZ, Lab } from './test-support/harness.js';

/** Each state's timeout knob, set to a distinct value, is what the conn gets (docs/tcp.md §1, §6.5). */
describe('timeout sysctls (docs/sysctl.md)', () => {
  const knobs = {
    nf_conntrack_tcp_timeout_syn_sent: 11,
    nf_conntrack_tcp_timeout_syn_recv: 12,
    nf_conntrack_tcp_timeout_established: 13000,
    nf_conntrack_tcp_timeout_fin_wait: 14,
    nf_conntrack_tcp_timeout_close_wait: 15,
    nf_conntrack_tcp_timeout_last_ack: 16,
    nf_conntrack_tcp_timeout_time_wait: 17,
    nf_conntrack_tcp_timeout_close: 18,
  };

  it('every state takes its own knob', () => {
    const lab = new Lab(knobs);
    const got: [string, number][] = [];
    const note = () => got.push([lab.state, lab.timeoutJiffies / HZ]);
    lab.orig({ flags: 'S', seq: 1000 });
    note();
    lab.reply({ flags: 'SA', seq: 5000, ack: 1001 });
    note();
    lab.orig({ flags: 'A', seq: 1001, ack: 5001 });
    note();
    lab.orig({ flags: 'FA', seq: 1001, ack: 5001 });
    note();
    lab.reply({ flags: 'A', seq: 5001, ack: 1002 });
    note();
    lab.reply({ flags: 'FA', seq: 5001, ack: 1002 });
    note();
    lab.orig({ flags: 'A', seq: 1002, ack: 5002 });
    note();
    lab.orig({ flags: 'R', seq: 1002 });
    note();
    expect(got).toEqual([
      ['SYN_SENT', 11],
      ['SYN_RECV', 12],
      ['ESTABLISHED', 13000],
      ['FIN_WAIT', 14],
      ['CLOSE_WAIT', 15],
      ['LAST_ACK', 16],
      ['TIME_WAIT', 17],
      ['CLOSE', 18],
    ]);
  });

  it('the conn expires exactly at the knob value (close = 3 s after a RST)', () => {
    const lab = new Lab({ nf_conntrack_tcp_timeout_close: 3 });
    lab.handshake();
    lab.orig({ flags: 'R', seq: 1001 });
    lab.advance(3000 - 4);
    expect(lab.net.count).toBe(1);
    lab.advance(4);
    expect(lab.net.count).toBe(0);
  });

  it('timeout_unacknowledged caps while data is unacknowledged (only when lower than the state timeout)', () => {
    const lab = new Lab({ nf_conntrack_tcp_timeout_unacknowledged: 77 });
    lab.handshake();
    lab.orig({ flags: 'PA', seq: 1001, ack: 5001, payload: bytes(10) });
    expect(lab.timeout).toBe(77);
    const high = new Lab({ nf_conntrack_tcp_timeout_unacknowledged: 500000 });
    high.handshake();
    high.orig({ flags: 'PA', seq: 1001, ack: 5001, payload: bytes(10) });
    expect(high.timeout).toBe(432000);
  });

  it('timeout_max_retrans and max_retrans: with max_retrans=1 the 2nd identical ACK caps at the knob', () => {
    const lab = new Lab({ nf_conntrack_tcp_max_retrans: 1, nf_conntrack_tcp_timeout_max_retrans: 66 });
    lab.handshake();
    lab.orig({ flags: 'A', seq: 1001, ack: 5001, win: 999 });
    expect(lab.timeout).toBe(432000);
    lab.orig({ flags: 'A', seq: 1001, ack: 5001, win: 999 });
    expect(lab.timeout).toBe(66);
  });

  it('nf_conntrack_tcp_loose=0: a mid-stream ACK is invalid, with no log text', () => {
    const lab = new Lab({ nf_conntrack_tcp_loose: 0 });
    lab.orig({ flags: 'A', seq: 7000, ack: 9000 });
    expect(lab.ctinfo).toBe(IP_CT_INVALID);
    expect(lab.skb.invalidReason).toBeNull();
    expect(lab.net.count).toBe(0);
    expect(lab.net.stats.invalid).toBe(1);
  });

  it('nf_conntrack_tcp_loose=1: pickup capped at timeout_unacknowledged until a reply', () => {
    const lab = new Lab({ nf_conntrack_tcp_timeout_unacknowledged: 200 });
    lab.orig({ flags: 'A', seq: 7000, ack: 9000 });
    expect(lab.timeout).toBe(200);
    lab.orig({ flags: 'A', seq: 7000, ack: 9000 });
    expect(lab.timeout).toBe(200);
  });

  it('nf_conntrack_checksum: bad checksum is invalid at PRE_ROUTING only, and not at all when off', () => {
    const bad = ipv4({
      src: A,
      dst: B,
      proto: 6,
      payload: tcp({ sport: 40000, dport: 5001, flags: 'S', seq: 1, badChecksum: true }, A, B),
    });
    const lab = new Lab();
    lab.sendBytes(bad);
    expect(lab.ctinfo).toBe(IP_CT_INVALID);
    expect(lab.skb.invalidReason).toBe('bad checksum');
    lab.path = 'input';
    lab.sendBytes(bad);
    expect(lab.skb.invalidReason).toBe('bad checksum');
    lab.path = 'output'; // LOCAL_OUT: checksum assumed correct
    lab.sendBytes(bad);
    expect(lab.ctinfo).toBe(IP_CT_NEW);
    const off = new Lab({ nf_conntrack_checksum: 0 });
    off.sendBytes(bad);
    expect(off.ctinfo).toBe(IP_CT_NEW);
  });

  it('nf_conntrack_tcp_max_retrans=255: ten identical ACKs never reach the retrans cap', () => {
    const lab = new Lab({ nf_conntrack_tcp_max_retrans: 255 });
    lab.handshake();
    for (let i = 0; i < 10; i++) lab.orig({ flags: 'A', seq: 1001, ack: 5001 });
    expect(lab.ctinfo).toBe(IP_CT_ESTABLISHED);
    expect(lab.timeout).toBe(432000);
  });
});

describe('docs/tcp.md §2 header checks', () => {
  const seg = (doff?: number) => tcp({ sport: 40000, dport: 5001, flags: 'S', seq: 1, doff }, A, B);

  it('data offset below 5 words is a truncated packet', () => {
    const lab = new Lab({ nf_conntrack_checksum: 0 });
    lab.sendBytes(ipv4({ src: A, dst: B, proto: 6, payload: seg(4) }));
    expect(lab.skb.invalidReason).toBe('truncated packet');
    expect(lab.net.count).toBe(0);
  });

  it('data offset beyond the segment is a truncated packet', () => {
    const lab = new Lab({ nf_conntrack_checksum: 0 });
    lab.sendBytes(ipv4({ src: A, dst: B, proto: 6, payload: seg(6) }));
    expect(lab.skb.invalidReason).toBe('truncated packet');
  });

  it('fewer than 20 header bytes: invalid without a log text; fewer than 4: no tuple at all', () => {
    for (const n of [12, 3]) {
      const lab = new Lab();
      lab.sendBytes(ipv4({ src: A, dst: B, proto: 6, payload: seg().subarray(0, n) }));
      expect(lab.ctinfo).toBe(IP_CT_INVALID);
      expect(lab.skb.invalidReason).toBeNull();
      expect(lab.net.stats.invalid).toBe(1);
      expect(lab.net.count).toBe(0);
    }
  });

  /** docs/tcp.md §8.1/8.2: the option walk, on a SYN whose 8 option bytes are given raw. */
  const cases: [string, number[], number, number][] = [
    // name, options area, expected td_scale, expected flags (WINDOW_SCALE 1, SACK_PERM 2)
    ['WS 7 + SACK-permitted', [3, 3, 7, 4, 2, 0, 0, 0], 7, 3],
    ['NOPs then WS', [1, 1, 1, 1, 1, 3, 3, 9], 9, 1],
    ['EOL stops the walk', [0, 3, 3, 7, 4, 2, 1, 1], 0, 0],
    ['silly length < 2 stops the walk', [4, 1, 3, 3, 7, 1, 1, 1], 0, 0],
    ['partial option (len > remaining) is ignored', [1, 1, 1, 1, 1, 1, 3, 3], 0, 0],
    ['WS with length 4 is not a window scale', [3, 4, 7, 0, 4, 2, 1, 1], 0, 2],
    ['SACK-permitted with length 3 is not SACK_PERM', [4, 3, 0, 3, 3, 2, 1, 1], 2, 1],
    ['WS 200 is clamped to 14', [3, 3, 200, 1, 1, 1, 1, 1], 14, 1],
  ];
  for (const [name, opts, scale, flags] of cases) {
    it(`options: ${name}`, () => {
      const lab = new Lab();
      const raw = tcp(
        { sport: 40000, dport: 5001, flags: 'S', seq: 1, doff: 7, payload: Uint8Array.from(opts) },
        A,
        B,
      );
      lab.sendBytes(ipv4({ src: A, dst: B, proto: 6, payload: raw }));
      expect(lab.tcp.seen[0].tdScale).toBe(scale);
      expect(lab.tcp.seen[0].flags).toBe(flags);
      expect(lab.tcp.seen[0].tdEnd).toBe(2); // the option bytes are header, not payload
    });
  }
});
