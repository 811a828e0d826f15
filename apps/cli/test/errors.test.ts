import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tcpPacket } from '@ctrack/core/testing';
import { describe, expect, it } from 'vitest';
import { encapsulate } from '../src/capture/frame.js';
import { PcapngWriter } from '../src/capture/pcapng-writer.js';
import { PcapWriter } from '../src/capture/writer.js';
import { demoCapture } from './support/demo.js';
import { run } from './support/run.js';

const dir = mkdtempSync(join(tmpdir(), 'ctrack-cli-'));
const file = (name: string, bytes: Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const T = 1_795_250_780_000_000;
const syn = (sport: number) =>
  encapsulate(1, tcpPacket('198.18.0.1', '198.18.0.2', { sport, dport: 80, flags: 'S', seq: 1 }));
const traced = (lines: string[]) => lines.filter((l) => l.startsWith('#'));

describe('bad input', () => {
  it('truncated global header', async () => {
    const p = file('short.pcap', demoCapture().subarray(0, 10));
    const r = await run(['replay', p]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${p}: truncated file header at offset 0 (need 24 bytes, have 10)`);
  });

  it('truncated record header: the records before it are processed and printed', async () => {
    const whole = new PcapWriter()
      .add(syn(1), T)
      .add(syn(2), T + 1)
      .toBytes();
    const p = file('trunc-hdr.pcap', whole.subarray(0, 24 + 16 + syn(1).length + 7));
    const r = await run(['replay', p, '--trace']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `truncated record header at offset ${24 + 16 + syn(1).length} (need 16 bytes, have 7)`,
    );
    expect(traced(r.lines)).toHaveLength(1);
    expect(r.err).toMatch(/ctrack replay: 1 packets, 1 flow entries/);
  });

  it('truncated record data', async () => {
    const whole = new PcapWriter()
      .add(syn(1), T)
      .add(syn(2), T + 1)
      .toBytes();
    const p = file('trunc-data.pcap', whole.subarray(0, whole.length - 5));
    const r = await run(['replay', p, '--trace', '--stats']);
    expect(r.code).toBe(1);
    const at = 24 + 16 + syn(1).length;
    expect(r.err).toContain(
      `truncated record data at offset ${at} (need ${16 + syn(2).length} bytes, have ${16 + syn(2).length - 5})`,
    );
    expect(traced(r.lines)).toHaveLength(1);
    // --stats still printed for what was processed
    expect(r.lines.at(-1)).toMatch(/^cpu=0 {3}\tfound=0 /);
  });

  it("a record longer than the file header's snaplen is read and cut to it, as libpcap does", async () => {
    const p = file(
      'snap.pcap',
      new PcapWriter({ snaplen: 40 })
        .add(syn(1), T)
        .add(syn(2), T + 1)
        .toBytes(),
    );
    const r = await run(['replay', p, '--trace']);
    expect(r.code).toBe(0);
    // tcpdump -r shows such a record cut at the snaplen; so does the replay
    expect(traced(r.lines)).toHaveLength(2);
    expect(r.err).toContain("2 cut short by the capture's snaplen");
    expect(r.err).toContain('hint: 2 of 2 packets were cut at 40 bytes');
  });

  it('absurd record length', async () => {
    const w = new PcapWriter({ snaplen: 0 }).add(syn(1), T, { caplen: 0x7fffffff });
    const r = await run(['replay', file('absurd.pcap', w.toBytes())]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('absurd record length 2147483647 (maximum 262144) at offset 24');
  });

  it('unknown link type (pcap and pcapng)', async () => {
    const r = await run(['replay', file('lt.pcap', new PcapWriter({ linktype: 147 }).toBytes())]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('unsupported link type 147 at offset 20');
    const ng = new PcapngWriter();
    ng.interface({ linktype: 1 }).packet(0, T, syn(1)).interface({ linktype: 189 });
    const r2 = await run(['replay', file('lt.pcapng', ng.toBytes()), '--trace']);
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(/unsupported link type 189 \(interface 1\) at offset \d+/);
    expect(traced(r2.lines)).toHaveLength(1);
  });

  it('pcapng: corrupt block length and mismatched trailer', async () => {
    const ng = new PcapngWriter().interface({ linktype: 1 }).packet(0, T, syn(1)).toBytes();
    const bad = ng.slice();
    new DataView(bad.buffer).setUint32(bad.length - 4, 12, true);
    const r = await run(['replay', file('trailer.pcapng', bad)]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/block trailer length 12 does not match its length \d+ at offset \d+/);
    const odd = ng.slice();
    new DataView(odd.buffer).setUint32(28 + 4, 13, true); // IDB length
    const r2 = await run(['replay', file('odd.pcapng', odd)]);
    expect(r2.err).toContain('bad block length 13 for block type 0x00000001 at offset 32');
  });

  it('garbage on stdin', async () => {
    const r = await run(['replay', '-'], [new TextEncoder().encode('hello, this is not a capture')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('ctrack: stdin: not a pcap or pcapng capture (magic 0x68656c6c) at offset 0');
  });

  it('empty stdin', async () => {
    const r = await run(['replay', '-']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('stdin: truncated file header at offset 0 (need 4 bytes, have 0)');
  });
});
