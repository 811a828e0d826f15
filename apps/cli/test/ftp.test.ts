import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from './support/run.js';

const FX = fileURLToPath(new URL('../../../tooling/conformance/fixtures/', import.meta.url));
const pcap = (name: string) => `${FX}${name}/capture.pcap`;
const kernelLines = (name: string, file: string) =>
  readFileSync(`${FX}${name}/${file}`, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.replace(/^\[[\d. ]+\]\t/, '').replace(/ id=\d+$/, ''));
const sysctls = (name: string) =>
  Object.entries(
    (JSON.parse(readFileSync(`${FX}${name}/meta.json`, 'utf8')) as { sysctls?: Record<string, string> })
      .sysctls ?? {},
  ).flatMap(([k, v]) => ['--sysctl', `${k}=${v}`]);
const isExpect = (l: string) => / proto=\d+ src=/.test(l);

describe('--helper ftp on the kernel recordings', () => {
  for (const name of ['ftp-passive-pasv', 'ftp-epsv', 'ftp-eprt', 'ftp-port-first-segment']) {
    it(`${name}: NEW/UPDATE conn events and the expectation events are the kernel's`, async () => {
      const r = await run([
        'replay',
        pcap(name),
        '--helper',
        'ftp',
        '--events',
        '-o',
        'id',
        '--local',
        '198.18.0.2',
        ...sysctls(name),
      ]);
      expect(r.code).toBe(0);
      const ours = r.lines.map((l) => l.replace(/ id=\d+$/, ''));
      const notDestroy = (l: string) => !l.startsWith('[DESTROY]');
      expect(ours.filter((l) => !isExpect(l) && notDestroy(l))).toEqual(
        kernelLines(name, 'events.txt').filter(notDestroy),
      );
      expect(ours.filter(isExpect)).toEqual(kernelLines(name, 'expect-events.txt'));
      expect(ours.find((l) => l.includes('dport=21 '))).toContain('helper=ftp');
    });
  }

  it('--list-expect prints the unused expectation with its remaining seconds, count on stderr', async () => {
    const r = await run([
      'replay',
      pcap('ftp-pasv-unused'),
      '--helper',
      'ftp',
      '--list-expect',
      '--local',
      '198.18.0.2',
    ]);
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([
      '299 proto=6 src=198.18.0.1 dst=198.18.0.2 sport=0 dport=50000 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=198.18.0.1 master-dst=198.18.0.2 sport=40028 dport=21 class=0 helper=ftp',
    ]);
    expect(r.err).toContain('conntrack v1.4.7 (conntrack-tools): 1 expectations have been shown.');
    const json = await run(['replay', pcap('ftp-pasv-unused'), '--helper', 'ftp', '--list-expect', '--json']);
    const o = JSON.parse(json.lines[0]!) as Record<string, unknown>;
    expect(o).toMatchObject({
      type: 'expect',
      expect: true,
      timeout: 299,
      protonum: 6,
      class: 0,
      helper: 'ftp',
    });
  });

  it('without --helper the data SYNs are NEW and no expectation exists', async () => {
    const r = await run(['replay', pcap('ftp-pasv-unused'), '--list-expect', '--events']);
    expect(r.lines.some(isExpect)).toBe(false);
    expect(r.lines.some((l) => l.includes('helper='))).toBe(false);
  });

  it('--helper ftp:2121 assigns ftp to port 2121 only (nothing on port 21)', async () => {
    const r = await run(['replay', pcap('ftp-pasv-unused'), '--helper', 'ftp:2121', '--events']);
    expect(r.code).toBe(0);
    expect(r.lines.some((l) => l.includes('helper='))).toBe(false);
  });
});
