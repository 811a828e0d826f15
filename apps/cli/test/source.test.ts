import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureReader } from '../src/capture/reader.js';
import type { CaptureRecord } from '../src/capture/record.js';
import { readCapture } from '../src/capture/source.js';
import { PcapWriter } from '../src/capture/writer.js';

const dir = mkdtempSync(join(tmpdir(), 'ctrack-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What a sink sees of a record, copied out inside the callback. */
function summary(rec: CaptureRecord): string {
  let h = 0;
  for (let i = rec.offset; i < rec.offset + rec.caplen; i++) h = (Math.imul(h, 31) + rec.data[i]!) | 0;
  return `${rec.index} ${rec.tsUs} ${rec.caplen} ${rec.origlen} ${rec.fileOffset} ${h}`;
}

describe('readCapture from a file', () => {
  it('gives the same records as parsing the whole file at once, across several read chunks', async () => {
    // ~5 MiB: records straddle the 1 MiB reads and the reused read buffers.
    const w = new PcapWriter();
    for (let i = 0; i < 4000; i++) {
      const frame = new Uint8Array(600 + ((i * 37) % 900));
      for (let j = 0; j < frame.length; j++) frame[j] = (i * 7 + j * 13) & 0xff;
      w.add(frame, 1_700_000_000_000_000 + i);
    }
    const bytes = w.toBytes();
    const path = join(dir, 'big.pcap');
    writeFileSync(path, bytes);
    const want: string[] = [];
    const r = new CaptureReader((rec) => want.push(summary(rec)));
    r.push(bytes);
    r.end();
    const got: string[] = [];
    const chunks: number[] = [];
    await readCapture(path, (rec) => got.push(summary(rec)), { onChunk: (n) => chunks.push(n) });
    expect(bytes.length).toBeGreaterThan(4 << 20);
    expect(got).toEqual(want);
    expect(chunks.at(-1)).toBe(bytes.length);
    // onChunk after every 256 KiB slice of the 1 MiB reads
    expect(chunks.length).toBe(Math.ceil(bytes.length / (1 << 18)));
  });

  it('reports a missing file by name, in words', async () => {
    const p = join(dir, 'nope.pcap');
    await expect(readCapture(p, () => {})).rejects.toThrow(`cannot open ${p}: no such file or directory`);
  });

  it('a corrupt record stops the read with a capture error (the file is closed)', async () => {
    const w = new PcapWriter();
    w.add(new Uint8Array(60), 1);
    const bytes = w.toBytes();
    // incl_len of the first record: absurd.
    new DataView(bytes.buffer).setUint32(24 + 8, 0x7fffffff, false);
    const path = join(dir, 'bad.pcap');
    writeFileSync(path, bytes);
    await expect(readCapture(path, () => {})).rejects.toThrow(/absurd record length/);
  });
});
