import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { udpPacket } from '@ctrack/core/testing';
import { describe, expect, it } from 'vitest';
import { encapsulate } from '../src/capture/frame.js';
import { PcapWriter } from '../src/capture/writer.js';
import { ConnFilter } from '../src/replay/filter.js';
import { run } from './support/run.js';

/**
 * conntrack-tools habits (issue 14 item 12): filters, -C, -S expect, -o ktimestamp,
 * --seed, --until. The demo capture: TCP 198.18.0.1:40001 -> .2:8080 (ends TIME_WAIT),
 * UDP :40002 -> :5353, ICMP echo id 4660, a refused SYN (destroyed), an ARP frame.
 */
const DEMO = 'fixtures/demo.pcap';
const FX = fileURLToPath(new URL('../../../tooling/conformance/fixtures/', import.meta.url));
const T = 1_795_250_780_000_000;
const list = async (...extra: string[]) => (await run(['replay', DEMO, '--list', ...extra])).lines;

describe('filters, as conntrack -L / -E take them', () => {
  it('-p, -s/-d (original tuple, with a prefix), -r/-q (reply tuple), ports, --state, --zone, -m', async () => {
    expect(await list()).toHaveLength(3);
    expect(await list('-p', 'tcp')).toEqual([expect.stringMatching(/^tcp {6}6 \d+ TIME_WAIT /)]);
    expect(await list('--proto', '17')).toEqual([expect.stringMatching(/^udp /)]);
    expect(await list('-s', '198.18.0.1')).toHaveLength(3);
    expect(await list('-s', '198.18.0.0/24')).toHaveLength(3);
    expect(await list('-s', '198.18.0.2')).toHaveLength(0);
    expect(await list('--orig-dst', '198.18.0.2/255.255.255.255')).toHaveLength(3);
    expect(await list('-r', '198.18.0.2')).toHaveLength(3);
    expect(await list('-q', '198.18.0.2')).toHaveLength(0);
    expect(await list('--sport', '40002')).toEqual([
      expect.stringMatching(/^udp .* sport=40002 dport=5353 /),
    ]);
    expect(await list('-p', 'tcp', '--dport', '8080')).toHaveLength(1);
    expect(await list('-p', 'udp', '--dport', '8080')).toHaveLength(0);
    expect(await list('--reply-port-src', '5353')).toHaveLength(1);
    expect(await list('--state', 'TIME_WAIT')).toHaveLength(1);
    expect(await list('--state', 'ESTABLISHED')).toHaveLength(0);
    expect(await list('--zone', '0')).toHaveLength(3);
    expect(await list('--zone', '1')).toHaveLength(0);
    expect(await list('-m', '0')).toHaveLength(3);
    expect(await list('-m', '1/1')).toHaveLength(0);
    // several filters: all must match
    expect(await list('-p', 'icmp', '-s', '198.18.0.1', '--zone', '0')).toEqual([
      expect.stringMatching(/^icmp /),
    ]);
    const r = await run(['replay', DEMO, '--list', '-p', 'tcp']);
    expect(r.err).toContain('conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.');
  });

  it('-m VALUE/MASK compares the masked mark', () => {
    const f = new ConnFilter({ mark: '0x10/0xf0' });
    const snap = (mark: number | null) => ({ mark }) as never;
    expect(f.matches(snap(0x1f))).toBe(true);
    expect(f.matches(snap(0x2f))).toBe(false);
    expect(new ConnFilter({ mark: '0' }).matches(snap(null))).toBe(true);
  });

  it('bad filter values are usage errors (exit 2)', async () => {
    for (const a of [
      ['-p', 'nosuch'],
      ['-s', '1.2.3'],
      ['-s', '1.2.3.4/33'],
      ['--dport', '70000'],
      ['--zone', 'x'],
      ['-m', '1/2/3'],
    ]) {
      const r = await run(['replay', DEMO, '--list', ...a]);
      expect(r.code, a.join(' ')).toBe(2);
      expect(r.out).toBe('');
    }
  });

  it('--events: the conn events of matching conns only', async () => {
    const all = (await run(['replay', DEMO, '-E'])).lines;
    const icmp = (await run(['replay', DEMO, '-E', '-p', 'icmp'])).lines;
    expect(icmp.length).toBeGreaterThan(0);
    expect(icmp).toEqual(all.filter((l) => / icmp {5}1 /.test(l)));
    const tcp40003 = (await run(['replay', DEMO, '--events', '--sport', '40003'])).lines;
    expect(tcp40003.map((l) => l.slice(0, 9).trim())).toEqual(['[NEW]', '[DESTROY]']);
  });
});

describe('-C, -S expect, -o ktimestamp', () => {
  it('-C prints the number of entries (those the filters pass), as conntrack -C', async () => {
    expect((await run(['replay', DEMO, '-C'])).out).toBe('3\n');
    expect((await run(['replay', DEMO, '--count', '-p', 'udp'])).out).toBe('1\n');
    expect((await run(['replay', DEMO, '-C', '--json'])).lines).toEqual(['{"type":"count","count":3}']);
  });

  /** conntrack -S expect summed over the CPU lines. */
  const sum = (lines: string[]) => {
    const s: Record<string, number> = {};
    for (const l of lines)
      for (const m of l.matchAll(/(expect_\w+)=(\d+)/g)) s[m[1]!] = (s[m[1]!] ?? 0) + Number(m[2]);
    return s;
  };
  for (const name of ['ftp-passive-pasv', 'ftp-epsv']) {
    it(`-S expect: the kernel's expectation counters (${name})`, async () => {
      const meta = JSON.parse(readFileSync(`${FX}${name}/meta.json`, 'utf8')) as {
        sysctls?: Record<string, string>;
      };
      const sys = Object.entries(meta.sysctls ?? {}).flatMap(([k, v]) => ['--sysctl', `${k}=${v}`]);
      const r = await run([
        'replay',
        `${FX}${name}/capture.pcap`,
        '--helper',
        'ftp',
        '--local',
        '198.18.0.2',
        ...sys,
        '-S',
        'expect',
      ]);
      expect(r.code).toBe(0);
      expect(r.lines).toEqual([
        expect.stringMatching(/^cpu=0 {3}\texpect_new=\d+ expect_create=\d+ expect_delete=\d+ $/),
      ]);
      const kernel = readFileSync(`${FX}${name}/stats-expect.txt`, 'utf8').split('\n');
      expect(sum(r.lines)).toEqual(sum(kernel));
      expect((await run(['replay', DEMO, '--stats-expect'])).lines).toEqual([
        'cpu=0   \texpect_new=0 expect_create=0 expect_delete=0 ',
      ]);
    });
  }

  it('-o ktimestamp: [start=...] on -L lines when nf_conntrack_timestamp=1 (docs/formats.md §1)', async () => {
    const on = await list('-p', 'udp', '-o', 'ktimestamp', '--sysctl', 'nf_conntrack_timestamp=1');
    expect(on).toEqual([
      expect.stringMatching(/ mark=0 delta-time=0 \[start=\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\] use=1$/),
    ]);
    const off = await list('-p', 'udp', '-o', 'ktimestamp');
    expect(off[0]).not.toContain('[start=');
  });
});

describe('--seed and --until', () => {
  /** 60 UDP flows: their order in the table follows the hash seed. */
  function flows(): string {
    const w = new PcapWriter();
    for (let i = 0; i < 60; i++)
      w.add(encapsulate(1, udpPacket('198.18.0.1', '198.18.0.2', { sport: 30000 + i, dport: 53 })), T + i);
    const p = join(mkdtempSync(join(tmpdir(), 'ctrack-seed-')), 'flows.pcap');
    writeFileSync(p, w.toBytes());
    return p;
  }

  it('--seed N: the same table order and ids every run; another seed, another order', async () => {
    const p = flows();
    const a = (await run(['replay', p, '--list', '-o', 'id', '--seed', '7'])).lines;
    const b = (await run(['replay', p, '--list', '-o', 'id', '--seed', '7'])).lines;
    const c = (await run(['replay', p, '--list', '-o', 'id', '--seed', '8'])).lines;
    expect(a).toHaveLength(60);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect([...c].map((l) => l.replace(/ id=\d+$/, '')).sort()).toEqual(
      [...a].map((l) => l.replace(/ id=\d+$/, '')).sort(),
    );
    expect((await run(['replay', p, '--seed', 'x'])).code).toBe(2);
  });

  it('--until +SECONDS / an absolute time: what expires by then fires, then --list', async () => {
    // Last packet at 1795250780.200000; UDP and ICMP time out 30 s after their last packet.
    const r = await run(['replay', DEMO, '--list', '-E', '-o', 'timestamp', '--until', '+30']);
    expect(r.code).toBe(0);
    const destroys = r.lines.filter((l) => l.includes('[DESTROY]') && !l.includes('dport=9 '));
    expect(destroys.map((l) => l.split('\t')[1]!.split(' ')[1])).toEqual(['icmp', 'udp']);
    expect(r.lines.at(-1)).toMatch(/^tcp {6}6 90 TIME_WAIT /);
    expect(r.err).toContain('1 flow entries have been shown');
    // The same moment as an absolute capture time.
    const abs = await run([
      'replay',
      DEMO,
      '--list',
      '-E',
      '-o',
      'timestamp',
      '--until',
      '1795250810.200000',
    ]);
    expect(abs.out).toBe(r.out);
    // Just before the UDP entry's expiry it is still listed.
    expect(await list('--until', '+29.9')).toHaveLength(3);
    expect(await list('--until', '+2000')).toHaveLength(0);
  });

  it('--until before the last packet says so; with --drain or bad syntax, exit 2', async () => {
    const early = await run(['replay', DEMO, '--list', '--until', '1795250780.000000']);
    expect(early.err).toContain('--until 1795250780.000000 is before the last packet (1795250780.200000)');
    expect(early.lines).toHaveLength(3);
    expect((await run(['replay', DEMO, '--until', '+1', '--drain'])).code).toBe(2);
    expect((await run(['replay', DEMO, '--until', 'tomorrow'])).code).toBe(2);
  });
});

describe('against the kernel (test/fixtures/kernel-filters, conntrack-tools 1.4.7 on Linux 6.18)', () => {
  const KF = fileURLToPath(new URL('./fixtures/kernel-filters/', import.meta.url));
  const kernel = (f: string) =>
    readFileSync(`${KF}${f}`, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
  const listedAt = readFileSync(`${KF}listed_at.txt`, 'utf8').trim();
  const replayed = (...extra: string[]) =>
    run([
      'replay',
      `${KF}capture.pcap`,
      '--local',
      '198.18.77.1',
      '--sysctl',
      'nf_conntrack_timestamp=1',
      // A capture on lo: the kernel never verified those checksums (offload), see below.
      '--sysctl',
      'nf_conntrack_checksum=0',
      '--until',
      listedAt,
      ...extra,
    ]);
  const START_RE = /\[start=(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4})\]/;
  /** A -L line without its clock-dependent numbers, and those numbers. */
  const split = (l: string) => {
    const timeout = Number(/^\S+ +\d+ (\d+) /.exec(l)?.[1]);
    const delta = Number(/ delta-time=(\d+)/.exec(l)?.[1] ?? 0);
    const start = START_RE.exec(l) ? Date.parse(`${START_RE.exec(l)![1]} UTC`) / 1000 : 0;
    const key = l
      .replace(/^(\S+ +\d+) \d+ /, '$1 ')
      .replace(/ delta-time=\d+/, '')
      .replace(START_RE, '[start]');
    return { key, nums: [timeout, delta, start] };
  };
  /** Same lines in any order (hash order differs); timeout, delta-time, start within 1 s. */
  function expectSameList(ours: string[], theirs: string[]): void {
    const a = ours.map(split).sort((x, y) => x.key.localeCompare(y.key));
    const b = theirs.map(split).sort((x, y) => x.key.localeCompare(y.key));
    expect(a.map((x) => x.key)).toEqual(b.map((x) => x.key));
    for (const [i, x] of a.entries()) {
      for (const [j, n] of x.nums.entries()) expect(Math.abs(n - b[i]!.nums[j]!)).toBeLessThanOrEqual(1);
    }
  }

  const cases: [string, string[]][] = [
    ['list-ktimestamp.txt', ['-o', 'ktimestamp']],
    ['list-p-udp.txt', ['-p', 'udp']],
    ['list-s-dport.txt', ['-s', '198.18.77.0/24', '-p', 'tcp', '--dport', '8080']],
    ['list-state.txt', ['-p', 'tcp', '--state', 'CLOSE_WAIT']],
    ['list-state-none.txt', ['-p', 'tcp', '--state', 'ESTABLISHED']],
    ['list-reply-sport.txt', ['-p', 'udp', '-r', '198.18.77.1', '--sport', '40100']],
    ['list-none.txt', ['-p', 'icmp', '-d', '198.18.78.1']],
  ];
  for (const [file, args] of cases) {
    it(`conntrack -L ${args.join(' ')}`, async () => {
      const r = await replayed('--list', ...args);
      expect(r.code).toBe(0);
      expectSameList(r.lines, kernel(file));
      expect(r.err).toContain(
        `conntrack v1.4.7 (conntrack-tools): ${kernel(file).length} flow entries have been shown.`,
      );
    });
  }

  it('a host capture with checksum offload (this one, on lo): the summary says so and what to do', async () => {
    const r = await run(['replay', `${KF}capture.pcap`, '--local', '198.18.77.1', '--list']);
    expect(r.err).toMatch(/ctrack replay: 13 packets \(\d+ invalid: 10 bad checksum/);
    expect(r.err).toContain('replay with --sysctl nf_conntrack_checksum=0');
    expect(r.lines).toHaveLength(1); // the kernel has 3: only the ping had valid checksums
  });

  it('conntrack -C and -S expect', async () => {
    expect((await replayed('-C')).lines).toEqual(kernel('count.txt'));
    expect((await replayed('-S', 'expect')).lines).toEqual(kernel('stats-expect.txt').slice(0, 1));
  });
});
