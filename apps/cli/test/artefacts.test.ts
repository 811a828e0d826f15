import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tcpPacket } from '@ctrack/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { encapsulate } from '../src/capture/frame.js';
import { PcapWriter } from '../src/capture/writer.js';
import { run } from './support/run.js';

/**
 * Capture artefacts that look like network faults: a small snaplen, checksum offload on
 * the capturing host. The summary counts and names them, and says what to do.
 */
const dir = mkdtempSync(join(tmpdir(), 'ctrack-artefacts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const T = 1_795_250_780_000_000;
const C = '198.18.0.1';
const S = '198.18.0.2';
const eth = (ip: Uint8Array) => encapsulate(1, ip);

/** `n` TCP sessions with 200 bytes of data each way (C:sport -> S:80). */
function sessions(n: number, serverBadSum: boolean): Uint8Array[] {
  const out: Uint8Array[] = [];
  const data = new Uint8Array(200);
  for (let i = 0; i < n; i++) {
    const sp = 40000 + i;
    const bad = { badChecksum: serverBadSum };
    out.push(eth(tcpPacket(C, S, { sport: sp, dport: 80, flags: 'S', seq: 100 })));
    out.push(eth(tcpPacket(S, C, { sport: 80, dport: sp, flags: 'SA', seq: 500, ack: 101, ...bad })));
    out.push(eth(tcpPacket(C, S, { sport: sp, dport: 80, flags: 'A', seq: 101, ack: 501 })));
    out.push(eth(tcpPacket(C, S, { sport: sp, dport: 80, flags: 'PA', seq: 101, ack: 501, payload: data })));
    out.push(
      eth(tcpPacket(S, C, { sport: 80, dport: sp, flags: 'PA', seq: 501, ack: 301, payload: data, ...bad })),
    );
  }
  return out;
}

describe('capture artefacts in the summary', () => {
  it('a snaplen-truncated capture: cut packets counted, ip_rcv drops named, hint to capture with -s 0', async () => {
    const w = new PcapWriter({ snaplen: 96 });
    let t = T;
    for (const f of sessions(10, false)) {
      w.add(f.subarray(0, Math.min(96, f.length)), (t += 1000), { origlen: f.length });
    }
    const p = join(dir, 'snaplen.pcap');
    writeFileSync(p, w.toBytes());
    const r = await run(['replay', p]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(
      /ctrack replay: 50 packets \(20 cut short by the capture's snaplen; 20 dropped before conntrack: 20 InTruncatedPkts\)/,
    );
    expect(r.err).toContain(
      "ctrack replay: hint: 20 of 50 packets were cut at 96 bytes by the capture's snaplen; conntrack sees them truncated (capture again with tcpdump -s 0)",
    );
  });

  it('checksum offload on the capturing host: every reply INVALID (bad checksum), hint to turn the check off', async () => {
    const w = new PcapWriter();
    let t = T;
    for (const f of sessions(10, true)) w.add(f, (t += 1000));
    const p = join(dir, 'offload.pcap');
    writeFileSync(p, w.toBytes());
    const r = await run(['replay', p, '--list']);
    expect(r.err).toMatch(
      /ctrack replay: 50 packets \(40 invalid: 20 bad checksum, 20 packet invalid, state SYN_SENT\), 10 flow entries/,
    );
    expect(r.err).toContain('hint: 20 packets had a bad checksum');
    expect(r.err).toContain('--sysctl nf_conntrack_checksum=0');
    expect(r.lines.every((l) => l.includes('[UNREPLIED]'))).toBe(true);
    // The hint's advice works: no INVALID, the conns see their replies.
    const fixed = await run(['replay', p, '--list', '--sysctl', 'nf_conntrack_checksum=0']);
    expect(fixed.err).not.toContain('invalid');
    expect(fixed.err).not.toContain('hint');
    expect(fixed.lines.some((l) => l.includes('[UNREPLIED]'))).toBe(false);
  });

  it('IPv6 frames are counted with a word that says why they are skipped', async () => {
    const v6 = new Uint8Array(40);
    v6[0] = 0x60;
    const w = new PcapWriter().add(encapsulate(1, v6, { ethertype: 0x86dd }), T);
    const p = join(dir, 'v6.pcap');
    writeFileSync(p, w.toBytes());
    const r = await run(['replay', p, '--trace']);
    expect(r.err).toContain('1 packets (1 IPv6 skipped (not supported by the loaded modules))');
    expect(r.lines[0]).toBe('#1 1795250780.000000 - - SKIPPED (IPv6: not supported by the loaded modules)');
  });
});
