import { IP_CT_INVALID, IPCT_DESTROY, NF_ACCEPT, parseIpv4 } from '@ctrack/core';
import { describe, expect, it } from 'vitest';
import { B, Lab } from './test-support/harness.js';

/**
 * The two transition matrices of docs/tcp.md §4, copied verbatim from that page
 * (pkt \ old: NONE SYN_SENT SYN_RECV ESTABL FIN_WAIT CLOSE_WAIT LAST_ACK TIME_WAIT CLOSE SYN_SENT2).
 */
const ORIGINAL_MD = `
| syn | SYN_SENT | SYN_SENT | sIG | sIG | sIG | sIG | sIG | SYN_SENT | SYN_SENT | SYN_SENT2 |
| synack | sIV | sIV | SYN_RECV | sIV | sIV | sIV | sIV | sIV | sIV | SYN_RECV |
| fin | sIV | sIV | FIN_WAIT | FIN_WAIT | LAST_ACK | LAST_ACK | LAST_ACK | TIME_WAIT | CLOSE | sIV |
| ack | ESTABL | sIV | ESTABL | ESTABL | CLOSE_WAIT | CLOSE_WAIT | TIME_WAIT | TIME_WAIT | CLOSE | sIV |
| rst | sIV | CLOSE | CLOSE | CLOSE | CLOSE | CLOSE | CLOSE | CLOSE | CLOSE | CLOSE |
| none | sIV | sIV | sIV | sIV | sIV | sIV | sIV | sIV | sIV | sIV |`;
const REPLY_MD = `
| syn | sIV | SYN_SENT2 | sIV | sIV | sIV | sIV | sIV | SYN_SENT | sIV | SYN_SENT2 |
| synack | sIV | SYN_RECV | sIG | sIG | sIG | sIG | sIG | sIG | sIG | SYN_RECV |
| fin | sIV | sIV | FIN_WAIT | FIN_WAIT | LAST_ACK | LAST_ACK | LAST_ACK | TIME_WAIT | CLOSE | sIV |
| ack | sIV | sIG | SYN_RECV | ESTABL | CLOSE_WAIT | CLOSE_WAIT | TIME_WAIT | TIME_WAIT | CLOSE | sIG |
| rst | sIV | CLOSE | CLOSE | CLOSE | CLOSE | CLOSE | CLOSE | CLOSE | CLOSE | CLOSE |
| none | sIV | sIV | sIV | sIV | sIV | sIV | sIV | sIV | sIV | sIV |`;

const STATES = [
  'NONE',
  'SYN_SENT',
  'SYN_RECV',
  'ESTABLISHED',
  'FIN_WAIT',
  'CLOSE_WAIT',
  'LAST_ACK',
  'TIME_WAIT',
  'CLOSE',
  'SYN_SENT2',
];
const INDEXES = ['syn', 'synack', 'fin', 'ack', 'rst', 'none'] as const;
type Index = (typeof INDEXES)[number];

function parse(md: string): Map<Index, string[]> {
  const m = new Map<Index, string[]>();
  for (const line of md.trim().split('\n')) {
    const cells = line
      .split('|')
      .map((c) => c.trim())
      .filter((c) => c !== '');
    m.set(
      cells[0] as Index,
      cells.slice(1).map((c) => (c === 'ESTABL' ? 'ESTABLISHED' : c)),
    );
  }
  return m;
}
const TABLE = [parse(ORIGINAL_MD), parse(REPLY_MD)] as const;

/** Sequence bookkeeping of the lab conversation: A's ISN 1000, B's ISN 5000. */
interface Ctx {
  lab: Lab;
  aNext: number;
  bNext: number;
}

/** Drive a fresh conn into `state` with in-window segments (strict window tracking). */
function reach(state: string): Ctx {
  const lab = new Lab();
  const c: Ctx = { lab, aNext: 1001, bNext: 5000 };
  const syn = () => lab.orig({ flags: 'S', seq: 1000 });
  const synack = () => {
    lab.reply({ flags: 'SA', seq: 5000, ack: 1001 });
    c.bNext = 5001;
  };
  const est = () => {
    syn();
    synack();
    lab.orig({ flags: 'A', seq: 1001, ack: 5001 });
  };
  switch (state) {
    case 'SYN_SENT':
      syn();
      break;
    case 'SYN_RECV':
      syn();
      synack();
      break;
    case 'ESTABLISHED':
      est();
      break;
    case 'FIN_WAIT':
    case 'CLOSE_WAIT':
    case 'LAST_ACK':
    case 'TIME_WAIT':
      est();
      lab.orig({ flags: 'FA', seq: 1001, ack: 5001 });
      c.aNext = 1002;
      if (state === 'FIN_WAIT') break;
      lab.reply({ flags: 'A', seq: 5001, ack: 1002 });
      if (state === 'CLOSE_WAIT') break;
      lab.reply({ flags: 'FA', seq: 5001, ack: 1002 });
      c.bNext = 5002;
      if (state === 'LAST_ACK') break;
      lab.orig({ flags: 'A', seq: 1002, ack: 5002 });
      break;
    case 'CLOSE':
      est();
      lab.orig({ flags: 'R', seq: 1001 });
      break;
    case 'SYN_SENT2':
      syn();
      lab.reply({ flags: 'S', seq: 5000 });
      c.bNext = 5001;
      break;
  }
  expect(lab.state).toBe(state);
  expect(lab.net.stats.invalid).toBe(0);
  return c;
}

/** A probe segment of type `index` in `dir` with the conversation's current numbers. */
function probe(c: Ctx, dir: number, index: Index): void {
  const own = dir === 0 ? c.aNext : c.bNext;
  const other = dir === 0 ? c.bNext : c.aNext;
  const isn = dir === 0 ? 1000 : 5000;
  const spec =
    index === 'syn'
      ? { flags: 'S', seq: own }
      : index === 'synack'
        ? { flags: 'SA', seq: isn, ack: other }
        : index === 'fin'
          ? { flags: 'FA', seq: own, ack: other }
          : index === 'ack'
            ? { flags: 'A', seq: own, ack: other }
            : index === 'rst'
              ? { flags: 'R', seq: own }
              : { flags: 'U', seq: own }; // "none" can only be built from an invalid flag set
  if (dir === 0) c.lab.orig(spec);
  else c.lab.reply(spec);
}

describe('docs/tcp.md §4 transition matrices, every cell driven with real segments', () => {
  for (const dir of [0, 1]) {
    for (const index of INDEXES) {
      const row = TABLE[dir].get(index)!;
      for (let old = 1; old < STATES.length; old++) {
        const oldName = STATES[old]!;
        const want = row[old]!;
        it(`${dir === 0 ? 'ORIGINAL' : 'REPLY'} ${index} in ${oldName} => ${want}`, () => {
          const c = reach(oldName);
          const lab = c.lab;
          const ct = lab.conn!;
          lab.advance(1000); // so a refresh is visible
          const before = lab.timeoutJiffies;
          const ev = lab.notifier.events.length;
          probe(c, dir, index);
          if (index === 'none') {
            expect(lab.ctinfo).toBe(IP_CT_INVALID);
            expect(lab.skb.invalidReason).toBe('invalid tcp flag combination');
            expect(lab.state).toBe(oldName);
            return;
          }
          if (want === 'sIV') {
            // §6.2: packet INVALID, conn unchanged
            expect(lab.ctinfo).toBe(IP_CT_INVALID);
            expect(lab.skb.invalidReason).toBe(
              `packet (index ${INDEXES.indexOf(index)}) in dir ${dir} invalid, state ${oldName}`,
            );
            expect(lab.state).toBe(oldName);
            expect(lab.timeoutJiffies).toBe(before - 0);
            expect(lab.net.stats.invalid).toBe(1);
            return;
          }
          expect(lab.verdict).toBe(NF_ACCEPT);
          expect(lab.ctinfo).not.toBe(IP_CT_INVALID);
          if (want === 'sIG') {
            // §9: ACCEPT without state change, refresh or accounting
            expect(lab.conn).toBe(ct);
            expect(lab.state).toBe(oldName);
            expect(lab.timeoutJiffies).toBe(before);
            expect(lab.notifier.events.length - ev).toBeLessThanOrEqual(1); // only a possible SEEN_REPLY update
            return;
          }
          if (want === 'SYN_SENT' && (oldName === 'TIME_WAIT' || oldName === 'CLOSE')) {
            // §6.2 reopen: the old conn is destroyed, the SYN creates a fresh conn
            expect(lab.notifier.events[ev]).toMatchObject({ bits: IPCT_DESTROY, state: oldName });
            expect(lab.conn).not.toBe(ct);
            expect(lab.state).toBe('SYN_SENT');
            expect(lab.conn!.orig.src).toBe(dir === 0 ? ct.orig.src : parseIpv4(B) | 0);
            return;
          }
          if (index === 'rst' && (oldName === 'SYN_SENT' || oldName === 'NONE')) {
            // §6.7: RST on a conn that never saw a reply deletes it at once
            expect(lab.net.count).toBe(0);
            expect(lab.notifier.events.at(-1)).toMatchObject({ bits: IPCT_DESTROY, state: want });
            return;
          }
          expect(lab.conn).toBe(ct);
          expect(lab.state).toBe(want);
          if (index === 'syn' && oldName === 'SYN_SENT') {
            // §6.7: no refresh for SYN_SENT -> SYN_SENT / SYN_SENT2 while unreplied
            expect(lab.timeoutJiffies).toBe(before);
          }
        });
      }
    }
  }

  describe('NONE column (first packet, docs/tcp.md §5)', () => {
    for (const index of INDEXES) {
      const want = TABLE[0].get(index)![0]!;
      it(`ORIGINAL ${index} as first packet => ${want}`, () => {
        const c: Ctx = { lab: new Lab(), aNext: 1000, bNext: 5000 };
        probe(c, 0, index);
        if (want === 'sIV') {
          expect(c.lab.ctinfo).toBe(IP_CT_INVALID);
          expect(c.lab.skb.invalidReason).toBe(
            index === 'none' ? 'invalid tcp flag combination' : 'invalid new',
          );
          expect(c.lab.net.count).toBe(0);
        } else {
          expect(c.lab.state).toBe(want);
        }
      });
    }
  });
});
