import {
  IP_CT_ESTABLISHED,
  IP_CT_ESTABLISHED_REPLY,
  IP_CT_INVALID,
  IPCT_ASSURED,
  IPCT_DESTROY,
  IPCT_PROTOINFO,
  IPCT_REPLY,
  IPS_ASSURED,
  IPS_SEEN_REPLY,
  NF_ACCEPT,
} from '@ctrack/core';
import { describe, expect, it } from 'vitest';
import { IP_CT_EXP_CHALLENGE_ACK, IP_CT_TCP_FLAG_CLOSE_INIT } from './constants.js';
import { bytes, HZ, Lab } from './test-support/harness.js';

function established(sysctls: Record<string, number> = {}): Lab {
  const lab = new Lab(sysctls);
  lab.handshake();
  lab.advance(1000);
  return lab;
}

describe('docs/tcp.md §10 RST rules', () => {
  it('exact RST (seq == peer td_maxack) closes an ESTABLISHED conn: CLOSE, 10 s', () => {
    const lab = established();
    lab.reply({ flags: 'R', seq: 5001 });
    expect(lab.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
    expect(lab.state).toBe('CLOSE');
    expect(lab.timeout).toBe(10);
  });

  it('[obs] 2e: in-window inexact RST keeps ESTABLISHED, timeout becomes 10 s', () => {
    const lab = established();
    const ev = lab.notifier.events.length;
    lab.reply({ flags: 'R', seq: 5001 + 100 });
    expect(lab.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
    expect(lab.state).toBe('ESTABLISHED');
    expect(lab.timeout).toBe(10);
    expect(lab.notifier.events.length).toBe(ev); // no state change, no PROTOINFO
  });

  it('[obs] 2b: RST below td_maxack is invalid ("invalid rst"), also with be_liberal=1', () => {
    for (const liberal of [0, 1]) {
      const lab = established({ nf_conntrack_tcp_be_liberal: liberal });
      lab.orig({ flags: 'R', seq: 1001 - 10 });
      expect(lab.ctinfo).toBe(IP_CT_INVALID);
      expect(lab.skb.invalidReason).toBe('invalid rst');
      expect(lab.state).toBe('ESTABLISHED');
    }
  });

  it('ignore_invalid_rst=1 only disables 2b: the RST goes on to the window check (kept ESTABLISHED, 10 s)', () => {
    const lab = established({ nf_conntrack_tcp_ignore_invalid_rst: 1 });
    lab.orig({ flags: 'R', seq: 1001 - 10 });
    expect(lab.ctinfo).toBe(IP_CT_ESTABLISHED);
    expect(lab.state).toBe('ESTABLISHED');
    expect(lab.timeout).toBe(10);
  });

  it('[obs] liberal: far-future RST accepted; strict: the same RST is invalid (window)', () => {
    const strict = established();
    strict.orig({ flags: 'R', seq: 1001 + 50_000_000 });
    expect(strict.ctinfo).toBe(IP_CT_INVALID);
    expect(strict.skb.invalidReason).toMatch(
      /^SEQ is over upper bound \d+ \(over the window of the receiver\)$/,
    );
    const liberal = established({ nf_conntrack_tcp_be_liberal: 1 });
    liberal.orig({ flags: 'R', seq: 1001 + 50_000_000 });
    expect(liberal.ctinfo).toBe(IP_CT_ESTABLISHED);
    expect(liberal.timeout).toBe(10);
  });

  it('2d: RST right after own data (seq == last_end) closes', () => {
    const lab = established();
    lab.orig({ flags: 'PA', seq: 1001, ack: 5001, payload: bytes(19) });
    lab.orig({ flags: 'R', seq: 1020 });
    expect(lab.state).toBe('CLOSE');
  });

  it('row 1: in a closing state any RST skips the window check', () => {
    const lab = established();
    lab.orig({ flags: 'FA', seq: 1001, ack: 5001 });
    lab.reply({ flags: 'R', seq: 123 }); // nowhere near the window
    expect(lab.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
    expect(lab.state).toBe('CLOSE');
    expect(lab.timeout).toBe(10);
  });

  it('row 3: RST answering a SYN we let through on the ignore path closes', () => {
    const lab = established();
    lab.orig({ flags: 'S', seq: 777000 }); // ignored (sIG), annotated
    expect(lab.state).toBe('ESTABLISHED');
    lab.reply({ flags: 'RA', seq: 5001 + 40000, ack: 777001 });
    expect(lab.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
    expect(lab.state).toBe('CLOSE');
  });

  it('row 4: RST answering a challenge ACK in SYN_SENT skips the window check', () => {
    const lab = new Lab();
    lab.orig({ flags: 'S', seq: 1000 });
    lab.reply({ flags: 'A', seq: 5000, ack: 424242 }); // challenge ACK: ignored, last_ack noted
    expect(lab.state).toBe('SYN_SENT');
    // [obs] a reply ACK ignored in SYN_SENT cleared [UNREPLIED]
    expect(lab.conn!.status & IPS_SEEN_REPLY).toBeTruthy();
    lab.orig({ flags: 'R', seq: 424242 });
    expect(lab.ctinfo).not.toBe(IP_CT_INVALID);
    expect(lab.state).toBe('CLOSE');
    expect(lab.timeout).toBe(10);
  });

  it('row 4 does not apply to other seqs: the RST then fails the window check', () => {
    const lab = new Lab();
    lab.orig({ flags: 'S', seq: 1000 });
    lab.reply({ flags: 'A', seq: 5000, ack: 424242 });
    lab.orig({ flags: 'R', seq: 424243 });
    expect(lab.ctinfo).toBe(IP_CT_INVALID);
  });

  it('[obs] RST on a picked-up conn without reply deletes it; DESTROY shows 300 CLOSE', () => {
    const lab = new Lab();
    lab.orig({ flags: 'A', seq: 7000, ack: 9000 });
    lab.orig({ flags: 'R', seq: 7000 });
    expect(lab.net.count).toBe(0);
    expect(lab.notifier.events.at(-1)).toMatchObject({ bits: IPCT_DESTROY, state: 'CLOSE', timeout: 300 });
  });

  it('kill_acct counts the RST before deleting (acct on)', () => {
    const lab = new Lab({ nf_conntrack_acct: 1 });
    lab.orig({ flags: 'S', seq: 1000 });
    const ct = lab.conn!;
    lab.reply({ flags: 'RA', seq: 0, ack: 1001 });
    expect(lab.net.count).toBe(0);
    const acct = ct.ext![3] as { packets0: number; packets1: number; bytes1: number };
    expect(acct.packets0).toBe(1);
    expect(acct.packets1).toBe(1);
    expect(acct.bytes1).toBe(40);
  });
});

describe('docs/tcp.md §6.2 reopen and §9 ignore/resync', () => {
  it('SYN after RST from the same side reopens CLOSE; from the other side it is ignored', () => {
    const lab = established();
    lab.orig({ flags: 'R', seq: 1001 });
    const ct = lab.conn!;
    lab.orig({ flags: 'S', seq: 60000 });
    expect(lab.conn).not.toBe(ct);
    expect(lab.state).toBe('SYN_SENT');
    expect(lab.notifier.events.some((e) => e.bits === IPCT_DESTROY && e.state === 'CLOSE')).toBe(true);
  });

  it("[obs] CLOSE by B's RST, then A's SYN is ignored; B's SYN/ACK => SYN_RECV; A's ACK => ESTABLISHED, same entry", () => {
    const lab = established();
    lab.reply({ flags: 'R', seq: 5001 });
    const ct = lab.conn!;
    expect(lab.state).toBe('CLOSE');
    lab.orig({ flags: 'S', seq: 60000, options: { wscale: 2, sackPerm: true } });
    expect(lab.conn).toBe(ct);
    expect(lab.state).toBe('CLOSE');
    lab.reply({ flags: 'SA', seq: 90000, ack: 60001, options: { wscale: 3 } });
    expect(lab.state).toBe('SYN_RECV');
    expect(lab.timeout).toBe(60);
    expect(lab.tcp.seen[0].tdEnd).toBe(60001);
    expect(lab.tcp.seen[0].tdScale).toBe(2);
    expect(lab.tcp.seen[1].tdScale).toBe(3);
    lab.orig({ flags: 'A', seq: 60001, ack: 90001 });
    expect(lab.conn).toBe(ct);
    expect(lab.state).toBe('ESTABLISHED');
  });

  it('[obs] SYN (new ISN) in ESTABLISHED accepted without change; matching SYN/ACK => SYN_RECV 60; ACK => ESTABLISHED', () => {
    const lab = established();
    const before = lab.timeoutJiffies;
    lab.orig({ flags: 'S', seq: 3_000_000 });
    expect(lab.verdict).toBe(NF_ACCEPT);
    expect(lab.ctinfo).toBe(IP_CT_ESTABLISHED);
    expect(lab.state).toBe('ESTABLISHED');
    expect(lab.timeoutJiffies).toBe(before);
    lab.reply({ flags: 'SA', seq: 8_000_000, ack: 3_000_001 });
    expect(lab.state).toBe('SYN_RECV');
    expect(lab.timeout).toBe(60);
    lab.orig({ flags: 'A', seq: 3_000_001, ack: 8_000_001 });
    expect(lab.state).toBe('ESTABLISHED');
  });

  it('a SYN/ACK that does not ack the ignored SYN stays ignored', () => {
    const lab = established();
    lab.orig({ flags: 'S', seq: 3_000_000 });
    lab.reply({ flags: 'SA', seq: 8_000_000, ack: 3_000_002 });
    expect(lab.state).toBe('ESTABLISHED');
  });

  it('§6.4: the first FIN sets CLOSE_INIT on its own side only', () => {
    // TIME_WAIT through FINs always has CLOSE_INIT; check the flag is what enables reopen.
    const lab = established();
    lab.orig({ flags: 'FA', seq: 1001, ack: 5001 });
    expect(lab.tcp.seen[0].flags & IP_CT_TCP_FLAG_CLOSE_INIT).toBeTruthy();
    expect(lab.tcp.seen[1].flags & IP_CT_TCP_FLAG_CLOSE_INIT).toBe(0);
  });

  it('[obs] RFC 5961 challenge ACK in LAST_ACK answering an ignored SYN keeps LAST_ACK', () => {
    const lab = established();
    lab.orig({ flags: 'FA', seq: 1001, ack: 5001 });
    lab.reply({ flags: 'A', seq: 5001, ack: 1002 });
    lab.reply({ flags: 'FA', seq: 5001, ack: 1002 });
    expect(lab.state).toBe('LAST_ACK');
    lab.orig({ flags: 'S', seq: 2_000_000 });
    expect(lab.tcp.lastFlags & IP_CT_EXP_CHALLENGE_ACK).toBeTruthy();
    lab.reply({ flags: 'A', seq: 5002, ack: 1002 });
    expect(lab.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
    expect(lab.state).toBe('LAST_ACK');
    expect(lab.tcp.lastFlags & IP_CT_EXP_CHALLENGE_ACK).toBe(0);
    // the real final ACK from A still completes the close
    lab.orig({ flags: 'A', seq: 1002, ack: 5002 });
    expect(lab.state).toBe('TIME_WAIT');
  });

  it('[obs] SYN retransmission while unreplied: no refresh (117 s left after a retransmit at +2 s)', () => {
    const lab = new Lab();
    lab.orig({ flags: 'S', seq: 1000 });
    lab.advance(2000);
    lab.orig({ flags: 'S', seq: 1000 });
    expect(lab.ctinfo).toBe(2);
    lab.advance(1000);
    expect(lab.timeout).toBe(117);
  });
});

describe('docs/tcp.md §6.2 simultaneous open', () => {
  it('[obs] reply SYN => SYN_SENT2 with the SYN_SENT deadline (syn_sent 50: event shows 49), [UNREPLIED] gone', () => {
    const lab = new Lab({ nf_conntrack_tcp_timeout_syn_sent: 50, nf_conntrack_acct: 1 });
    lab.orig({ flags: 'S', seq: 1000, options: { wscale: 2 } });
    lab.advance(500);
    lab.reply({ flags: 'S', seq: 5000, options: { wscale: 4 } });
    const ev = lab.notifier.events.at(-1)!;
    expect(ev).toMatchObject({ bits: IPCT_REPLY | IPCT_PROTOINFO, state: 'SYN_SENT2', timeout: 49 });
    expect(ev.status & IPS_SEEN_REPLY).toBeTruthy();
    const acct = lab.conn!.ext![3] as { packets1: number };
    expect(acct.packets1).toBe(0); // not accounted
    // [docs/sysctl.md] a refresh in SYN_SENT2 uses the fixed 120 s slot, not syn_sent
    lab.orig({ flags: 'S', seq: 1000, options: { wscale: 2 } });
    expect(lab.state).toBe('SYN_SENT2');
    expect(lab.timeoutJiffies).toBe(120 * HZ);
  });

  it('SYN_SENT2 -> SYN/ACK => SYN_RECV -> reply ACK => ESTABLISHED [ASSURED]', () => {
    const lab = new Lab();
    lab.orig({ flags: 'S', seq: 1000 });
    lab.reply({ flags: 'S', seq: 5000 });
    lab.orig({ flags: 'SA', seq: 1000, ack: 5001 });
    expect(lab.state).toBe('SYN_RECV');
    lab.reply({ flags: 'SA', seq: 5000, ack: 1001 });
    expect(lab.state).toBe('SYN_RECV');
    lab.reply({ flags: 'A', seq: 5001, ack: 1001 });
    expect(lab.state).toBe('ESTABLISHED');
    expect(lab.conn!.status & IPS_ASSURED).toBeTruthy();
    expect(lab.notifier.events.at(-1)!.bits).toBe(IPCT_PROTOINFO | IPCT_ASSURED);
  });
});

describe('docs/tcp.md §7.6 timeout shrink on out-of-window FIN/RST', () => {
  it('[obs] out-of-window FIN from A then out-of-window RST from B: both invalid, 432000 -> 300', () => {
    const lab = established();
    expect(lab.timeout).toBe(431999);
    lab.orig({ flags: 'FA', seq: 1001 + 50_000_000, ack: 5001 });
    expect(lab.ctinfo).toBe(IP_CT_INVALID);
    lab.reply({ flags: 'R', seq: 5001 + 50_000_000 });
    expect(lab.ctinfo).toBe(IP_CT_INVALID);
    expect(lab.state).toBe('ESTABLISHED');
    expect(lab.timeout).toBe(300);
  });

  it('[obs] the same two from A only: unchanged', () => {
    const lab = established();
    lab.orig({ flags: 'FA', seq: 1001 + 50_000_000, ack: 5001 });
    lab.orig({ flags: 'R', seq: 1001 + 50_000_000 });
    expect(lab.ctinfo).toBe(IP_CT_INVALID);
    expect(lab.timeout).toBe(431999);
  });
});

describe('docs/tcp.md §6.8 ASSURED and SEEN_REPLY', () => {
  it('the 3rd packet of the handshake sets ASSURED, not the SYN/ACK', () => {
    const lab = new Lab();
    lab.orig({ flags: 'S', seq: 1000 });
    lab.reply({ flags: 'SA', seq: 5000, ack: 1001 });
    expect(lab.conn!.status & IPS_SEEN_REPLY).toBeTruthy();
    expect(lab.conn!.status & IPS_ASSURED).toBe(0);
    lab.orig({ flags: 'A', seq: 1001, ack: 5001 });
    expect(lab.conn!.status & IPS_ASSURED).toBeTruthy();
    expect(lab.notifier.events.filter((e) => e.bits & IPCT_ASSURED)).toHaveLength(1);
  });

  it('INVALID reply packets never set SEEN_REPLY', () => {
    const lab = new Lab();
    lab.orig({ flags: 'S', seq: 1000 });
    lab.reply({ flags: 'FA', seq: 5000, ack: 1001 }); // sIV
    expect(lab.ctinfo).toBe(IP_CT_INVALID);
    expect(lab.conn!.status & IPS_SEEN_REPLY).toBe(0);
  });
});
