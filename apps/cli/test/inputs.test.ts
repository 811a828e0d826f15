import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { errnoText } from '../src/capture/errno.js';
import { demoCapture } from './support/demo.js';
import { run } from './support/run.js';
import { sh } from './support/spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'ctrack-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DEMO = join(import.meta.dirname, '..', 'fixtures', 'demo.pcap');
/** Lines in order (the table's hash order is random per run). */
const sorted = (t: string) => t.split('\n').sort();
const SUMMARY = /ctrack replay: 21 packets .*3 flow entries/;

describe('inputs that cannot seek, read as tcpdump reads them', () => {
  it('a FIFO (mkfifo): the capture streams through it, no ESPIPE', async () => {
    const fifo = join(dir, 'cap.fifo');
    execFileSync('mkfifo', [fifo]);
    const [r] = await Promise.all([
      run(['replay', fifo, '--events', '--list']),
      writeFile(fifo, demoCapture()),
    ]);
    expect(r.err).not.toContain('ESPIPE');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(SUMMARY);
    expect(r.err).toContain('3 flow entries have been shown');
  }, 30_000);

  it('/dev/stdin, "-" and <(...) in a real process', async () => {
    const bytes = demoCapture();
    // Node gives a child a socket as stdin: /dev/stdin is read as the stdin stream.
    const viaDev = await sh('ctrack replay /dev/stdin --list', { input: bytes });
    const viaDevPipe = await sh(`cat ${JSON.stringify(DEMO)} | ctrack replay /dev/stdin --list`);
    expect(viaDevPipe.err).toMatch(SUMMARY);
    expect(sorted(viaDevPipe.out)).toEqual(sorted(viaDev.out));
    expect(viaDev.err).toMatch(SUMMARY);
    expect(viaDev.code).toBe(0);
    const viaDash = await sh(`cat ${JSON.stringify(DEMO)} | ctrack replay - --list`);
    expect(viaDash.err).toMatch(SUMMARY);
    const viaSubst = await sh(`ctrack replay <(cat ${JSON.stringify(DEMO)}) --list`);
    expect(viaSubst.err).not.toContain('ESPIPE');
    expect(viaSubst.err).toMatch(SUMMARY);
    expect(viaSubst.code).toBe(0);
    expect(sorted(viaSubst.out)).toEqual(sorted(viaDev.out));
  }, 60_000);
});

describe('a file that cannot be opened', () => {
  it('names the file and says why in words; nothing else is printed', async () => {
    const p = join(dir, 'nope.pcap');
    const r = await run(['replay', p, '--list', '--stats']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`ctrack: cannot open ${p}: no such file or directory\n`);
    expect(r.out).toBe('');
  });

  it('a directory', async () => {
    const r = await run(['replay', dir, '--list']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`ctrack: cannot open ${dir}: is a directory\n`);
  });

  it('system errors in words, never a bare code', () => {
    expect(errnoText({ code: 'EACCES', message: 'EACCES: permission denied, open x' })).toBe(
      'permission denied',
    );
    expect(errnoText({ code: 'EXDEV', message: "EXDEV: cross-device link not permitted, rename 'a'" })).toBe(
      'cross-device link not permitted',
    );
    expect(errnoText({ code: 'ESPIPE' })).not.toMatch(/^E[A-Z]+$/);
  });

  it('a file written and readable still reads (regular files keep positioned reads)', async () => {
    const p = join(dir, 'demo.pcap');
    writeFileSync(p, demoCapture());
    const r = await run(['replay', p]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(SUMMARY);
  });
});
