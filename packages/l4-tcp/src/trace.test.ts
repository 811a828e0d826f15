import {
  IP_CT_ESTABLISHED,
  IP_CT_ESTABLISHED_REPLY,
  IP_CT_INVALID,
  IP_CT_NEW,
  IPCT_ASSURED,
  IPCT_DESTROY,
  IPCT_NEW,
  IPCT_PROTOINFO,
  IPCT_REPLY,
  IPS_ASSURED,
  IPS_SEEN_REPLY,
  NF_ACCEPT,
} from '@ctrack/core';
import { describe, expect, it } from 'vitest';
import { bytes, Lab } from './test-support/harness.js';

describe('docs/tcp.md §12 observed traces', () => {
  it('normal open/close: SYN_SENT 120, SYN_RECV 60, ESTABLISHED 432000 [ASSURED], FIN_WAIT 120, CLOSE_WAIT 60, LAST_ACK 30, TIME_WAIT 120', () => {
    const lab = new Lab();
    const ev = lab.notifier.events;
    lab.orig({ flags: 'S', seq: 1000, options: { mss: 1460, sackPerm: true, wscale: 7 } });
    expect(lab.ctinfo).toBe(IP_CT_NEW);
    // [NEW] tcp 6 120 SYN_SENT ... [UNREPLIED]
    expect(ev.at(-1)).toMatchObject({ bits: IPCT_NEW | IPCT_PROTOINFO, state: 'SYN_SENT', timeout: 120 });
    expect(lab.conn!.status & IPS_SEEN_REPLY).toBe(0);

    lab.reply({ flags: 'SA', seq: 5000, ack: 1001, options: { mss: 1460, sackPerm: true, wscale: 7 } });
    expect(lab.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
    // [UPDATE] tcp 6 60 SYN_RECV
    expect(ev.at(-1)).toMatchObject({ bits: IPCT_REPLY | IPCT_PROTOINFO, state: 'SYN_RECV', timeout: 60 });

    lab.orig({ flags: 'A', seq: 1001, ack: 5001, win: 502 });
    expect(lab.ctinfo).toBe(IP_CT_ESTABLISHED);
    // [UPDATE] tcp 6 432000 ESTABLISHED ... [ASSURED]
    expect(ev.at(-1)).toMatchObject({
      bits: IPCT_ASSURED | IPCT_PROTOINFO,
      state: 'ESTABLISHED',
      timeout: 432000,
    });
    expect(lab.conn!.status & IPS_ASSURED).toBeTruthy();

    // data: no event; -L shows 299 (unacked data => 300 s cap)
    const n = ev.length;
    lab.orig({ flags: 'PA', seq: 1001, ack: 5001, win: 502, payload: bytes(100) });
    expect(ev.length).toBe(n);
    lab.advance(1000);
    expect(lab.timeout).toBe(299);
    lab.reply({ flags: 'A', seq: 5001, ack: 1101, win: 509 });
    expect(lab.timeout).toBe(432000);

    lab.orig({ flags: 'FA', seq: 1101, ack: 5001, win: 502 });
    expect(ev.at(-1)).toMatchObject({ bits: IPCT_PROTOINFO, state: 'FIN_WAIT', timeout: 120 });
    lab.reply({ flags: 'A', seq: 5001, ack: 1102, win: 509 });
    expect(ev.at(-1)).toMatchObject({ bits: IPCT_PROTOINFO, state: 'CLOSE_WAIT', timeout: 60 });
    lab.reply({ flags: 'FA', seq: 5001, ack: 1102, win: 509 });
    expect(ev.at(-1)).toMatchObject({ bits: IPCT_PROTOINFO, state: 'LAST_ACK', timeout: 30 });
    lab.orig({ flags: 'A', seq: 1102, ack: 5002, win: 502 });
    expect(ev.at(-1)).toMatchObject({ bits: IPCT_PROTOINFO, state: 'TIME_WAIT', timeout: 120 });

    // [DESTROY] tcp 6 119 TIME_WAIT (new SYN from A: reopen), then [NEW] 120 SYN_SENT
    lab.advance(1000);
    const first = lab.conn!;
    lab.orig({ flags: 'S', seq: 90000, options: { mss: 1460 } });
    expect(lab.verdict).toBe(NF_ACCEPT);
    expect(lab.ctinfo).toBe(IP_CT_NEW);
    expect(ev.at(-2)).toMatchObject({ bits: IPCT_DESTROY, state: 'TIME_WAIT', timeout: 119 });
    expect(ev.at(-1)).toMatchObject({ bits: IPCT_NEW | IPCT_PROTOINFO, state: 'SYN_SENT', timeout: 120 });
    expect(lab.conn).not.toBe(first);
    expect(lab.net.stats.invalid).toBe(0);
  });

  it('SYN answered by RST/ACK: [NEW] SYN_SENT then [DESTROY] tcp 6 120 CLOSE [UNREPLIED]', () => {
    const lab = new Lab();
    const ev = lab.notifier.events;
    lab.orig({ flags: 'S', seq: 1000 });
    lab.reply({ flags: 'RA', seq: 0, ack: 1001, win: 0 });
    expect(lab.verdict).toBe(NF_ACCEPT);
    expect(lab.ctinfo).toBe(IP_CT_ESTABLISHED_REPLY);
    expect(ev.at(-1)).toMatchObject({ bits: IPCT_DESTROY, state: 'CLOSE', timeout: 120 });
    expect(ev.at(-1)!.status & IPS_SEEN_REPLY).toBe(0);
    expect(lab.net.count).toBe(0);
  });

  it('SYN answered by RST/ACK one jiffy later: DESTROY shows 119', () => {
    const lab = new Lab();
    lab.orig({ flags: 'S', seq: 1000 });
    lab.advance(4);
    lab.reply({ flags: 'RA', seq: 0, ack: 1001, win: 0 });
    expect(lab.notifier.events.at(-1)).toMatchObject({ bits: IPCT_DESTROY, timeout: 119 });
  });

  it('picked-up conn that gets an answer: [NEW] 300 ESTABLISHED [UNREPLIED], [UPDATE] 300, [UPDATE] 432000 [ASSURED] without state word', () => {
    const lab = new Lab();
    const ev = lab.notifier.events;
    lab.orig({ flags: 'A', seq: 7000, ack: 9000 });
    expect(lab.ctinfo).toBe(IP_CT_NEW);
    expect(ev.at(-1)).toMatchObject({ bits: IPCT_NEW | IPCT_PROTOINFO, state: 'ESTABLISHED', timeout: 300 });
    lab.reply({ flags: 'A', seq: 9000, ack: 7000 });
    expect(ev.at(-1)).toMatchObject({ bits: IPCT_REPLY, timeout: 300 });
    lab.orig({ flags: 'A', seq: 7000, ack: 9000 });
    expect(ev.at(-1)).toMatchObject({ bits: IPCT_ASSURED, timeout: 432000 });
    expect(lab.conn!.status & IPS_ASSURED).toBeTruthy();
  });

  it('first packet SYN+FIN is invalid and creates nothing', () => {
    const lab = new Lab();
    lab.orig({ flags: 'SF', seq: 1 });
    expect(lab.ctinfo).toBe(IP_CT_INVALID);
    expect(lab.skb.invalidReason).toBe('invalid tcp flag combination');
    expect(lab.net.count).toBe(0);
    expect(lab.net.stats.invalid).toBe(1);
  });
});
