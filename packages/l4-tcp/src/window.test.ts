import { IP_CT_ESTABLISHED, IP_CT_ESTABLISHED_REPLY, IP_CT_INVALID, NF_ACCEPT } from '@ctrack/core';
import { describe, expect, it } from 'vitest';
import {
  IP_CT_TCP_FLAG_BE_LIBERAL,
  IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED,
  IP_CT_TCP_FLAG_MAXACK_SET,
  IP_CT_TCP_FLAG_SACK_PERM,
  IP_CT_TCP_FLAG_WINDOW_SCALE,
} from './constants.js';
import { bytes, HZ, Lab } from './test-support/harness.js';

describe('docs/tcp.md §7 window tracking', () => {
  it('handshake initialises both directions (§5, §7.2)', () => {
    const lab = new Lab();
    lab.handshake({ wsA: 7, wsB: 8, sackA: true, sackB: true, winA: 64240, winB: 65160 });
    const [a, b] = lab.tcp.seen;
    expect(a.tdScale).toBe(7);
    expect(b.tdScale).toBe(8);
    expect(
      a.flags & (IP_CT_TCP_FLAG_WINDOW_SCALE | IP_CT_TCP_FLAG_SACK_PERM | IP_CT_TCP_FLAG_MAXACK_SET),
    ).toBe(0x23);
    expect(a.tdEnd).toBe(1001);
    expect(b.tdEnd).toBe(5001);
    // B's SYN/ACK (unscaled 65160) set A's right edge: ack 1001 + 65160
    expect(a.tdMaxend).toBe(1001 + 65160);
    // A's ACK, window 64240 << 7, set B's right edge
    expect(b.tdMaxend).toBe(5001 + (64240 << 7));
    expect(a.tdMaxack).toBe(5001);
    expect(b.tdMaxack).toBe(1001);
  });

  it('[obs] WS 7 both sides: data 100000 ahead accepted after B advertised 1000 (=128000)', () => {
    const lab = new Lab();
    lab.handshake({ wsA: 7, wsB: 7, winB: 1000 });
    lab.reply({ flags: 'A', seq: 5001, ack: 1001, win: 1000 });
    lab.orig({ flags: 'PA', seq: 1001 + 100000, ack: 5001, win: 500, payload: bytes(100) });
    expect(lab.ctinfo).toBe(IP_CT_ESTABLISHED);
  });

  it('[obs] WS only from A: the same data is invalid (SEQ is over upper bound)', () => {
    const lab = new Lab();
    lab.handshake({ wsA: 7, winB: 1000 });
    expect(lab.tcp.seen[0].tdScale).toBe(0); // §7.2: scaling only if both sent WS
    lab.reply({ flags: 'A', seq: 5001, ack: 1001, win: 1000 });
    lab.orig({ flags: 'PA', seq: 1001 + 100000, ack: 5001, win: 500, payload: bytes(100) });
    expect(lab.ctinfo).toBe(IP_CT_INVALID);
    expect(lab.skb.invalidReason).toBe('SEQ is over upper bound 2002 (over the window of the receiver)');
  });

  it('[obs] WS 15 is treated as 14', () => {
    const lab = new Lab();
    lab.handshake({ wsA: 15, wsB: 15 });
    expect(lab.tcp.seen[0].tdScale).toBe(14);
    expect(lab.tcp.seen[1].tdScale).toBe(14);
  });

  it('[obs] strict: ACK of unseen data => invalid (ACK is over upper bound)', () => {
    const lab = new Lab();
    lab.handshake();
    lab.reply({ flags: 'A', seq: 5001, ack: 1001 + 500 });
    expect(lab.ctinfo).toBe(IP_CT_INVALID);
    expect(lab.skb.invalidReason).toBe('ACK is over upper bound 1002 (ACKed data not seen yet)');
  });

  it('[obs] strict: ACK 70000 below => ignored (accepted, no update, no refresh)', () => {
    const lab = new Lab();
    lab.handshake();
    lab.advance(2000);
    const before = lab.timeoutJiffies;
    const maxack = lab.tcp.seen[0].tdMaxack;
    lab.orig({ flags: 'A', seq: 1001, ack: (5001 - 70000) >>> 0 });
    expect(lab.ctinfo).toBe(IP_CT_ESTABLISHED);
    expect(lab.skb.invalidReason).toBeNull();
    expect(lab.timeoutJiffies).toBe(before);
    expect(lab.tcp.seen[0].tdMaxack).toBe(maxack);
  });

  it('[obs] 10 bytes overshooting a full window => ignored, td_end moved so the peer ACK is valid (§7.4 A′)', () => {
    const lab = new Lab();
    lab.handshake({ winB: 1000 });
    expect(lab.tcp.seen[0].tdMaxend).toBe(2001);
    lab.orig({ flags: 'PA', seq: 1001, ack: 5001, payload: bytes(1000) }); // fills the window
    lab.orig({ flags: 'PA', seq: 2001, ack: 5001, payload: bytes(10) }); // seq == maxend: still in
    expect(lab.ctinfo).toBe(IP_CT_ESTABLISHED);
    lab.advance(1000);
    const before = lab.timeoutJiffies;
    lab.orig({ flags: 'PA', seq: 2011, ack: 5001, payload: bytes(10) }); // beyond: overshot 21
    expect(lab.ctinfo).toBe(IP_CT_ESTABLISHED);
    expect(lab.skb.invalidReason).toBeNull();
    expect(lab.timeoutJiffies).toBe(before); // IGNORE: no refresh
    expect(lab.tcp.seen[0].tdEnd).toBe(2021);
    lab.reply({ flags: 'A', seq: 5001, ack: 2021, win: 1000 });
    expect(lab.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
  });

  it('[obs] strict: far-future data => invalid; liberal: data 100000 beyond the window accepted', () => {
    const strict = new Lab();
    strict.handshake();
    strict.orig({ flags: 'PA', seq: 1001 + 10_000_000, ack: 5001, payload: bytes(10) });
    expect(strict.ctinfo).toBe(IP_CT_INVALID);
    const liberal = new Lab({ nf_conntrack_tcp_be_liberal: 1 });
    liberal.handshake();
    liberal.orig({ flags: 'PA', seq: 1001 + 65160 + 100000, ack: 5001, payload: bytes(10) });
    expect(liberal.ctinfo).toBe(IP_CT_ESTABLISHED);
    liberal.reply({ flags: 'A', seq: 5001, ack: 1001 + 70_000_000 }); // ACK of unseen data
    expect(liberal.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
  });

  it('sequence numbers wrap around 2^32 without losing track', () => {
    const lab = new Lab();
    const a0 = 0xffffff00;
    const b0 = 0xfffffff0;
    lab.orig({ flags: 'S', seq: a0, win: 64240 });
    lab.reply({ flags: 'SA', seq: b0, ack: a0 + 1, win: 65160 });
    lab.orig({ flags: 'A', seq: a0 + 1, ack: b0 + 1, win: 64240 });
    let a = a0 + 1;
    let b = b0 + 1;
    for (let i = 0; i < 6; i++) {
      lab.orig({ flags: 'PA', seq: a >>> 0, ack: b >>> 0, payload: bytes(100) });
      expect(lab.ctinfo, `data ${i}`).toBe(IP_CT_ESTABLISHED);
      a += 100;
      lab.reply({ flags: 'PA', seq: b >>> 0, ack: a >>> 0, payload: bytes(7) });
      expect(lab.ctinfo, `reply ${i}`).toBe(IP_CT_ESTABLISHED_REPLY);
      b += 7;
    }
    expect(lab.tcp.seen[0].tdEnd).toBe((a0 + 1 + 600) >>> 0);
    expect(lab.tcp.seen[0].tdEnd).toBeLessThan(0x1000);
    // old data from before the wrap is recognised as old (ignored, not invalid)
    lab.orig({ flags: 'PA', seq: (a0 + 1) >>> 0, ack: b >>> 0, payload: bytes(100) });
    expect(lab.ctinfo).toBe(IP_CT_ESTABLISHED);
    expect(lab.net.stats.invalid).toBe(0);
  });

  it('[obs] SACK block right edge beyond td_end => invalid when SACK was negotiated', () => {
    const lab = new Lab();
    lab.handshake({ sackA: true, sackB: true });
    lab.reply({ flags: 'A', seq: 5001, ack: 1001, options: { sack: [[1101, 1201]] } });
    expect(lab.ctinfo).toBe(IP_CT_INVALID);
    expect(lab.skb.invalidReason).toBe('ACK is over upper bound 1002 (ACKed data not seen yet)');
  });

  it('[obs] ... ignored (valid) when it was not negotiated', () => {
    const lab = new Lab();
    lab.handshake();
    lab.reply({ flags: 'A', seq: 5001, ack: 1001, options: { sack: [[1101, 1201]] } });
    expect(lab.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
  });

  it('SACK blocks: the highest right edge counts; swin = win + (sack - ack) raises td_maxwin', () => {
    const lab = new Lab();
    lab.handshake({ sackA: true, sackB: true, winB: 1000 });
    lab.orig({ flags: 'PA', seq: 1001, ack: 5001, payload: bytes(900) });
    const before = lab.tcp.seen[1].tdMaxwin;
    lab.reply({
      flags: 'A',
      seq: 5001,
      ack: 1001,
      win: 1000,
      options: {
        sack: [
          [1101, 1201],
          [1501, 1801],
          [1301, 1401],
        ],
      },
    });
    expect(lab.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
    expect(lab.tcp.seen[1].tdMaxwin).toBe(Math.max(before, 1000 + 800));
    // A's right edge follows the SACK edge: sack + win
    expect(lab.tcp.seen[0].tdMaxend).toBe(1801 + 1000);
  });

  it('timestamp-only options take the fast path (no SACK parsed)', () => {
    const lab = new Lab();
    lab.handshake({ sackA: true, sackB: true });
    lab.reply({ flags: 'A', seq: 5001, ack: 1001, options: { timestamp: [1, 2] } });
    expect(lab.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
  });

  it('§7.5-7: the exact ACK of all data clears DATA_UNACKNOWLEDGED; the 300 s cap goes', () => {
    const lab = new Lab();
    lab.handshake();
    lab.orig({ flags: 'PA', seq: 1001, ack: 5001, payload: bytes(10) });
    expect(lab.tcp.seen[0].flags & IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED).toBeTruthy();
    expect(lab.timeout).toBe(300);
    lab.reply({ flags: 'A', seq: 5001, ack: 1006 }); // partial ack: still unacked
    expect(lab.timeout).toBe(300);
    lab.reply({ flags: 'A', seq: 5001, ack: 1011 });
    expect(lab.tcp.seen[0].flags & IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED).toBe(0);
    expect(lab.timeout).toBe(432000);
  });

  it('§6.5 row 4: a zero window (last_win == 0) caps the timeout at max_retrans (300)', () => {
    const lab = new Lab();
    lab.handshake();
    lab.reply({ flags: 'A', seq: 5001, ack: 1001, win: 0 });
    expect(lab.timeout).toBe(300);
    lab.reply({ flags: 'A', seq: 5001, ack: 1001, win: 100 });
    expect(lab.timeout).toBe(432000);
  });

  it('[obs] the 4th identical ACK (3rd repeat) drops the timeout from 432000 to 300', () => {
    const lab = new Lab();
    lab.handshake();
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      lab.orig({ flags: 'A', seq: 1001, ack: 5001, win: 1234 });
      seen.push(lab.timeout);
    }
    expect(seen).toEqual([432000, 432000, 432000, 300]);
    expect(lab.tcp.retrans).toBe(3);
    // any different segment resets the counter
    lab.orig({ flags: 'A', seq: 1001, ack: 5001, win: 1235 });
    expect(lab.tcp.retrans).toBe(0);
    expect(lab.timeout).toBe(432000);
  });

  it('§7.3: a new SYN with a higher ISN in SYN_SENT re-initialises the sender', () => {
    const lab = new Lab();
    lab.orig({ flags: 'S', seq: 1000 });
    lab.orig({ flags: 'S', seq: 900000, options: { wscale: 3 } });
    expect(lab.tcp.seen[0].tdEnd).toBe(900001);
    expect(lab.tcp.seen[0].flags & IP_CT_TCP_FLAG_WINDOW_SCALE).toBeTruthy();
    lab.reply({ flags: 'SA', seq: 5000, ack: 900001 });
    expect(lab.state).toBe('SYN_RECV');
  });

  it('picked-up conns are liberal: both sides SACK_PERM|BE_LIBERAL, unscaled window (§5)', () => {
    const lab = new Lab();
    lab.orig({ flags: 'A', seq: 7000, ack: 9000, win: 100 });
    const [a, b] = lab.tcp.seen;
    // The reply side is still unknown (td_end 0), so the ACK check fails and the liberal
    // verdict accepts at once, skipping the §7.5 updates (no MAXACK_SET yet).
    expect(a.flags).toBe(IP_CT_TCP_FLAG_SACK_PERM | IP_CT_TCP_FLAG_BE_LIBERAL);
    expect(b.flags & (IP_CT_TCP_FLAG_SACK_PERM | IP_CT_TCP_FLAG_BE_LIBERAL)).toBe(0x0a);
    expect(a.tdMaxwin).toBe(100);
    expect(a.tdEnd).toBe(7000);
    // far out-of-window data is still accepted
    lab.orig({ flags: 'PA', seq: 7000 + 50_000_000, ack: 9000, payload: bytes(10) });
    expect(lab.verdict).toBe(NF_ACCEPT);
    expect(lab.ctinfo).not.toBe(IP_CT_INVALID);
    expect(lab.timeoutJiffies).toBe(300 * HZ);
  });
});
