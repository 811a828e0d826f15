import { describe, expect, it } from 'vitest';
import {
  FTP_MATCH,
  FTP_NO_MATCH,
  FTP_PARTIAL,
  type FtpCmd,
  findPattern,
  SEARCH,
  tryEprt,
  tryEpsvResponse,
  tryNumber,
  tryRfc959,
  tryRfc1123,
} from './parse.js';

const b = (s: string) => new TextEncoder().encode(s);
const cmd = (): FtpCmd => ({ l3num: 2, addr: 0x01020304, port: 0 });
const run = (fn: typeof tryRfc959, s: string, term = -1) => {
  const c = cmd();
  const n = fn(b(s), 0, s.length, c, term);
  return { n, addr: c.addr, port: c.port };
};

describe('number list (docs/ftp.md §5.1)', () => {
  it('u32 arithmetic with wrap, empty fields are 0, too many numbers fail, running out fails', () => {
    const out: number[] = [];
    expect(tryNumber(b('1,,3\r'), 0, 5, out, 3, 0x2c, 0x0d)).toBe(4);
    expect(out.slice(0, 3)).toEqual([1, 0, 3]);
    expect(tryNumber(b('4294967297,1\r'), 0, 13, out, 2, 0x2c, 0x0d)).toBe(12);
    expect(out[0]).toBe(1);
    expect(tryNumber(b('1,2,3,\r'), 0, 7, out, 3, 0x2c, 0x0d)).toBe(0);
    expect(tryNumber(b('1,2'), 0, 3, out, 2, 0x2c, 0x0d)).toBe(0);
    expect(tryNumber(b('1,2x'), 0, 4, out, 2, 0x2c, -1)).toBe(3);
    expect(tryNumber(b('1,2\0'), 0, 4, out, 2, 0x2c, -1)).toBe(3);
  });
  it('PORT: octets > 255 spill into the next one, port mod 65536', () => {
    expect(run(tryRfc959, '198,19,10,256,1,2\r', 0x0d)).toEqual({ n: 17, addr: 0xc6130b00, port: 258 });
    expect(run(tryRfc959, '1,2,3,4,256,1\r', 0x0d).port).toBe(1);
    expect(run(tryRfc959, '1,2,3,4,5,6\n', 0x0d).n).toBe(0);
  });
  it('227 body: scans to the first digit; no digit fails', () => {
    expect(run(tryRfc1123, '(10,0,0,1,4,1).')).toMatchObject({ addr: 0x0a000001, port: 1025 });
    expect(run(tryRfc1123, 'none').n).toBe(0);
  });
  it('EPRT: delimiter rules, protocol digit, port 0 and 16-bit wrap', () => {
    expect(run(tryEprt, '|1|10.0.0.1|2000|')).toMatchObject({ addr: 0x0a000001, port: 2000 });
    expect(run(tryEprt, '|1|10.0.0.1|65537|').port).toBe(1);
    expect(run(tryEprt, '|1|10.0.0.1|0|').n).toBe(0);
    expect(run(tryEprt, ' 1 10.0.0.1 2000 ').n).toBe(0); // space is not printable-non-digit
    expect(run(tryEprt, '\x801\x8010.0.0.1\x802000\x80').n).toBe(0);
    expect(run(tryEprt, '|2|::1|2000|').n).toBe(0);
    expect(run(tryEprt, '|1|').n).toBe(0);
  });
  it('EPSV: three equal delimiters, then the port; the address stays the sender’s', () => {
    expect(run(tryEpsvResponse, '|||2600|)')).toEqual({ n: 8, addr: 0x01020304, port: 2600 });
    expect(run(tryEpsvResponse, '||2600|)').n).toBe(0);
    expect(run(tryEpsvResponse, '|||26x0|)').n).toBe(0);
  });
});

describe('find_pattern (docs/ftp.md §4)', () => {
  const fp = (dir: number, i: number, s: string) => findPattern(b(s), 0, s.length, SEARCH[dir]![i]!, cmd());
  it('partial when the payload is a prefix of the pattern (case-insensitive), no match otherwise', () => {
    expect(fp(0, 0, 'Po')).toBe(FTP_PARTIAL);
    expect(fp(0, 0, 'PORT')).toBe(FTP_PARTIAL);
    expect(fp(0, 0, 'PX')).toBe(FTP_NO_MATCH);
    expect(fp(0, 0, 'P\0')).toBe(FTP_NO_MATCH);
    expect(fp(1, 0, '227')).toBe(FTP_PARTIAL);
    expect(fp(1, 0, '2270')).toBe(FTP_NO_MATCH);
  });
  it('skip character missing up to the last byte ⇒ partial; found as the last byte ⇒ partial (no numbers)', () => {
    expect(fp(0, 0, 'PORTX,1,2')).toBe(FTP_PARTIAL);
    expect(fp(0, 0, 'PORT ')).toBe(FTP_PARTIAL);
    expect(fp(1, 1, '229 Entering (')).toBe(FTP_PARTIAL);
    expect(fp(0, 0, 'PORTanything 1,2,3,4,5,6\r')).toBe(FTP_MATCH);
  });
});
