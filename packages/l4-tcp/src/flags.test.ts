import { IP_CT_INVALID } from '@ctrack/core';
import { describe, expect, it } from 'vitest';
import { Lab } from './test-support/harness.js';

/** docs/tcp.md §2: "Exactly these 9 of the 32 values are valid" (after clearing PSH, ECE, CWR). */
const VALID = new Set([0x02, 0x22, 0x12, 0x04, 0x14, 0x11, 0x31, 0x10, 0x30]);
const LETTERS = 'FSRPAUEC';
/** The flag byte as the builder's letters (F S R P A U E C = bits 0..7). */
const letters = (b: number): string => [...LETTERS].filter((_, i) => (b & (1 << i)) !== 0).join('');
const isValid = (b: number): boolean => VALID.has(b & ~(0x08 | 0x40 | 0x80));
/** docs/tcp.md §5: only index syn (SYN without ACK, no RST) and index ack (ACK only) may start a conn. */
const starts = (b: number): boolean => isValid(b) && (b & 0x05) === 0 && (b & 0x12) !== 0x12;

describe('docs/tcp.md §2 flag combinations: all 256 flag bytes', () => {
  it('9 valid values of 32 masked => 72 valid bytes of 256', () => {
    let n = 0;
    for (let b = 0; b < 256; b++) if (isValid(b)) n++;
    expect(n).toBe(72);
  });

  for (let b = 0; b < 256; b++) {
    const name = `0x${b.toString(16).padStart(2, '0')} [${letters(b) || 'none'}]`;
    it(`${name} on an ESTABLISHED conn: ${isValid(b) ? 'passes the flag check' : 'invalid tcp flag combination'}`, () => {
      const lab = new Lab();
      lab.handshake();
      lab.advance(1000);
      const before = lab.timeoutJiffies;
      lab.orig({ flags: letters(b), seq: 1001, ack: 5001, win: 64240 });
      if (!isValid(b)) {
        expect(lab.ctinfo).toBe(IP_CT_INVALID);
        expect(lab.skb.invalidReason).toBe('invalid tcp flag combination');
        expect(lab.state).toBe('ESTABLISHED');
        expect(lab.timeoutJiffies).toBe(before);
        expect(lab.net.stats.invalid).toBe(1);
      } else {
        expect(lab.skb.invalidReason).not.toBe('invalid tcp flag combination');
      }
    });
    it(`${name} as first packet: ${starts(b) ? 'creates a conn' : 'invalid'}`, () => {
      const lab = new Lab();
      lab.orig({ flags: letters(b), seq: 1000, ack: (b & 0x10) !== 0 ? 5000 : 0 });
      expect(lab.net.count).toBe(starts(b) ? 1 : 0);
      if (!isValid(b)) expect(lab.skb.invalidReason).toBe('invalid tcp flag combination');
      else if (!starts(b)) expect(lab.skb.invalidReason).toBe('invalid new');
      else expect(lab.state).toBe((b & 0x02) !== 0 ? 'SYN_SENT' : 'ESTABLISHED');
    });
  }

  it('[obs] "", F, U, SF, SR, FU, SAR, SAU, RAU invalid; FAU, FPA, RA accepted on ESTABLISHED', () => {
    for (const f of ['', 'F', 'U', 'SF', 'SR', 'FU', 'SAR', 'SAU', 'RAU']) {
      const lab = new Lab();
      lab.handshake();
      lab.orig({ flags: f, seq: 1001, ack: 5001 });
      expect(lab.skb.invalidReason, f).toBe('invalid tcp flag combination');
    }
    for (const f of ['FAU', 'FPA', 'RA']) {
      const lab = new Lab();
      lab.handshake();
      lab.orig({ flags: f, seq: 1001, ack: 5001 });
      expect(lab.ctinfo, f).not.toBe(IP_CT_INVALID);
    }
  });

  it('[obs] pickup: ACK-only also with PSH/URG/ECE/CWR creates ESTABLISHED [UNREPLIED] 300', () => {
    for (const f of ['A', 'PA', 'AU', 'AE', 'AC', 'PAUEC']) {
      const lab = new Lab();
      lab.orig({ flags: f, seq: 1000, ack: 5000 });
      expect(lab.state, f).toBe('ESTABLISHED');
      expect(lab.timeout, f).toBe(300);
    }
  });
});
