import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tcpPacket } from '@ctrack/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { encapsulate } from '../src/capture/frame.js';
import { PcapngWriter } from '../src/capture/pcapng-writer.js';
import { MAIN_HELP } from '../src/commands/help.js';
import { replay } from '../src/index.js';
import { PROGRESS_MIN_BYTES, wantProgress } from '../src/replay/progress.js';
import { run } from './support/run.js';

/** The command's smaller habits (issue 14 item 10). */
const dir = mkdtempSync(join(tmpdir(), 'ctrack-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DEMO = 'fixtures/demo.pcap';
const syn = (sport: number) =>
  encapsulate(1, tcpPacket('198.18.0.1', '198.18.0.2', { sport, dport: 80, flags: 'S', seq: 1 }));

describe('ctrack', () => {
  it('bare ctrack: the help on stderr, status 2; --help on stdout, status 0', async () => {
    const bare = await run([]);
    expect(bare.code).toBe(2);
    expect(bare.out).toBe('');
    expect(bare.err).toBe(MAIN_HELP);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toBe(MAIN_HELP);
  });

  it('--version', async () => {
    for (const a of ['--version', '-V']) {
      const r = await run([a]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^ctrack \d+\.\d+\.\d+\n$/);
    }
  });

  it('the progress line only when stderr is a terminal that stdout does not print to', () => {
    const big = PROGRESS_MIN_BYTES;
    const env = {};
    expect(wantProgress('auto', big, env, { stderrIsTty: true, stdoutSameTty: false })).toBe(true);
    // stdout on the same terminal: the \r redraws would garble the printed lines
    expect(wantProgress('auto', big, env, { stderrIsTty: true, stdoutSameTty: true })).toBe(false);
    expect(wantProgress('auto', big, env, { stderrIsTty: false, stdoutSameTty: false })).toBe(false);
    expect(wantProgress('auto', big, { CI: 'true' }, { stderrIsTty: true, stdoutSameTty: false })).toBe(
      false,
    );
  });

  it('--trace --json: ids unsigned like the events, and the events time field', async () => {
    // Find a seed whose first conn id has the top bit set (ids are a keyed hash).
    let found = false;
    for (let idSeed = 1; idSeed < 64 && !found; idSeed++) {
      const out: string[] = [];
      await replay({
        input: DEMO,
        trace: true,
        events: true,
        json: true,
        idSeed,
        stdout: (t) => void out.push(t),
        stderr: () => {},
      });
      const objs = out
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const pkt = objs[0]!;
      const ev = objs[1]!;
      expect(pkt.type).toBe('packet');
      expect(pkt.timestamp_us).toBe(ev.timestamp_us);
      expect(pkt).not.toHaveProperty('ts');
      expect(pkt.id).toBe(ev.id);
      expect(pkt.id as number).toBeGreaterThan(0);
      if ((pkt.id as number) >= 2 ** 31) found = true;
    }
    expect(found).toBe(true);
  });

  it('times before the epoch print with their sign; events too', async () => {
    // pcapng: 0.5 s of units plus if_tsoffset -2 s = 1.5 s before the epoch
    const ng = new PcapngWriter().interface({ linktype: 1, tsoffset: -2 });
    ng.packet(0, 500_000, syn(1));
    const p = join(dir, 'before-epoch.pcapng');
    writeFileSync(p, ng.toBytes());
    const r = await run(['replay', p, '--trace', '--events', '-o', 'timestamp']);
    expect(r.lines[0]).toMatch(/^#1 -1\.500000 /);
    expect(r.lines[1]).toMatch(/^\[-1\.500000\]\t {4}\[NEW\] tcp/);
  });

  it('a --module that throws: the lines of the packets before it are printed', async () => {
    const out: string[] = [];
    let err = '';
    const r = await replay({
      input: DEMO,
      trace: true,
      modules: ['test/fixtures/throwing-module.mjs'],
      stdout: (t) => void out.push(t),
      stderr: (t) => void (err += t),
    });
    // The module's error, named as such (not a capture error); the replay ended there.
    expect(r.exitCode).toBe(1);
    expect(err).toMatch(
      /ctrack: module throws_on_third: Error: boom from the module \(packet \d+ at offset \d+\)/,
    );
    const lines = out
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('#'));
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['#1', '#2']);
  });
});
