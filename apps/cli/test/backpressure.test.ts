import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { udpPacket } from '@ctrack/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { encapsulate } from '../src/capture/frame.js';
import { PcapWriter } from '../src/capture/writer.js';
import { drained } from '../src/commands/io.js';
import { replay } from '../src/index.js';
import { sh } from './support/spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'ctrack-backpressure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const T = 1_795_250_780_000_000;

/** `n` one-way UDP packets, each a new flow (a trace line and a NEW event per packet). */
function capture(n: number): Uint8Array {
  const w = new PcapWriter();
  for (let i = 0; i < n; i++) {
    const ip = udpPacket('198.18.0.1', '198.18.0.2', { sport: 1024 + (i % 60000), dport: 5000 + (i >> 15) });
    w.add(encapsulate(1, ip), T + i);
  }
  return w.toBytes();
}

/** A stream that takes one write per timer tick: slower than the replay produces. */
function slowSink(): { w: Writable; high: () => number; total: () => number } {
  let high = 0;
  let total = 0;
  const w = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      total += chunk.length;
      setTimeout(cb, 1);
    },
  });
  const orig = w.write.bind(w);
  w.write = ((c: string) => {
    const r = orig(c);
    if (w.writableLength > high) high = w.writableLength;
    return r;
  }) as typeof w.write;
  return { w, high: () => high, total: () => total };
}

describe('output backpressure', () => {
  it('a slow consumer holds the replay back: buffered output stays near one input chunk', async () => {
    const bytes = capture(15_000);
    const sink = slowSink();
    // stdin-like input: 32 KiB chunks
    async function* chunks() {
      for (let o = 0; o < bytes.length; o += 32768) yield bytes.subarray(o, o + 32768);
    }
    const res = await replay({
      input: chunks(),
      trace: true,
      events: true,
      json: true,
      stdout: (t) => sink.w.write(t),
      stdoutDrained: () => drained(sink.w),
      stderr: () => {},
    });
    await new Promise<void>((r) => sink.w.end(r));
    expect(res.counters.packets).toBe(15_000);
    // ~9 MB of JSON lines went through; at no time more than ~1 MB were waiting.
    expect(sink.total()).toBeGreaterThan(8e6);
    expect(sink.high()).toBeLessThan(1e6);
  }, 120_000);

  it('ctrack replay FILE --trace --json | slow reader: stdout buffer bounded (child processes)', async () => {
    const p = join(dir, 'many.pcap');
    writeFileSync(p, capture(50_000)); // ~4 MiB: four 1 MiB read chunks
    const measure = join(import.meta.dirname, 'fixtures', 'measure-stdout.mjs');
    const reader = join(import.meta.dirname, 'fixtures', 'slow-reader.mjs');
    const r = await sh(
      `NODE_OPTIONS=--import=${JSON.stringify(measure)} ctrack replay ${JSON.stringify(p)} --trace --json | ${JSON.stringify(process.execPath)} ${JSON.stringify(reader)}`,
    );
    const high = Number(/stdout-high-water=(\d+)/.exec(r.err)?.[1]);
    const got = Number(/slow-reader-bytes=(\d+)/.exec(r.err)?.[1]);
    expect(r.err).toMatch(/ctrack replay: 50000 packets/);
    expect(got).toBeGreaterThan(12e6);
    // Without backpressure most of the output (> 12 MB) queues in the process; with it,
    // about one 256 KiB slice's lines (~1 MB) at most.
    expect(high).toBeLessThan(3e6);
  }, 180_000);
});
