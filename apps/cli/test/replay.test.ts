import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ipv4, tcpPacket } from '@ctrack/core/testing';
import { describe, expect, it } from 'vitest';
import { encapsulate } from '../src/capture/frame.js';
import { PcapWriter } from '../src/capture/writer.js';
import { replay } from '../src/index.js';
import { demoCapture } from './support/demo.js';
import { run } from './support/run.js';

const DEMO = 'fixtures/demo.pcap';
const MOD = 'test/fixtures/proto253-module.mjs';
const dir = mkdtempSync(join(tmpdir(), 'ctrack-replay-'));
const T = 1_795_250_780_000_000;

describe('replay options', () => {
  it('--events prints conntrack -E lines as they happen', async () => {
    const r = await run(['replay', DEMO, '--events', '--local', '198.18.0.2']);
    expect(r.code).toBe(0);
    expect(r.lines[0]).toBe(
      '    [NEW] tcp      6 120 SYN_SENT src=198.18.0.1 dst=198.18.0.2 sport=40001 dport=8080 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 sport=8080 dport=40001',
    );
    expect(r.lines.filter((l) => l.includes('[NEW]'))).toHaveLength(4);
    expect(r.lines.some((l) => l.startsWith('[DESTROY] tcp      6 ') && l.includes('CLOSE'))).toBe(true);
    expect(r.err).toMatch(/ctrack replay: 21 packets \(1 non-IP skipped\), 3 flow entries, \d+ flow events/);
  });

  it('-o timestamp,id,extended: packet times, ids, l3 columns', async () => {
    const r = await run(['replay', DEMO, '--events', '-o', 'timestamp,id', '-o', 'extended']);
    expect(r.lines[0]).toMatch(
      /^\[1795250780\.000000\]\t {4}\[NEW\] ipv4 {5}2 tcp {6}6 120 SYN_SENT .* id=\d+$/,
    );
    expect(r.lines[1]).toMatch(/^\[1795250780\.010000\]\t \[UPDATE\] ipv4/);
    const bad = await run(['replay', DEMO, '-o', 'xml']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('-o: unknown output flag "xml"');
  });

  it('--list prints the table at the end, count on stderr', async () => {
    const r = await run(['replay', DEMO, '--list']);
    expect(r.lines).toHaveLength(3);
    expect(r.lines.find((l) => l.startsWith('tcp'))).toMatch(
      /^tcp {6}6 \d+ TIME_WAIT src=198\.18\.0\.1 dst=198\.18\.0\.2 sport=40001 dport=8080 .*\[ASSURED\] mark=0 use=1$/,
    );
    expect(r.err).toContain('conntrack v1.4.7 (conntrack-tools): 3 flow entries have been shown.');
  });

  it('--list-expect prints an empty table as conntrack does', async () => {
    const r = await run(['replay', DEMO, '--list-expect']);
    expect(r.out).toBe('');
    expect(r.err).toContain('conntrack v1.4.7 (conntrack-tools): 0 expectations have been shown.');
  });

  it('--stats prints conntrack -S', async () => {
    const r = await run(['replay', DEMO, '--stats']);
    expect(r.out).toBe(
      'cpu=0   \tfound=0 invalid=0 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 search_restart=0 clash_resolve=0 chaintoolong=0 \n',
    );
  });

  it('--drain lets every conn expire, printing each DESTROY', async () => {
    const without = await run(['replay', DEMO, '--events']);
    const drained = await run(['replay', DEMO, '--events', '--drain', '-o', 'timestamp']);
    const destroys = (ls: string[]) => ls.filter((l) => l.includes('[DESTROY]'));
    expect(destroys(without.lines)).toHaveLength(1);
    expect(destroys(drained.lines)).toHaveLength(4);
    // The TIME_WAIT conn dies 120 s after the last packet (at 1795250780.200000).
    expect(drained.lines.at(-1)).toMatch(/^\[1795250900\.200000\]\t\[DESTROY\] tcp {6}6 TIME_WAIT/);
    expect(drained.err).toMatch(/, 0 flow entries/);
  });

  it('--local chooses in/out paths; without it everything is forwarded', async () => {
    const local = await run(['replay', DEMO, '--trace', '--local', '198.18.0.2']);
    expect(local.lines[0]).toBe(
      '#1 1795250780.000000 in 198.18.0.1:40001 > 198.18.0.2:8080 tcp NEW SYN_SENT',
    );
    expect(local.lines[1]).toBe(
      '#2 1795250780.010000 out 198.18.0.2:8080 > 198.18.0.1:40001 tcp ESTABLISHED_REPLY SYN_RECV',
    );
    const client = await run(['replay', DEMO, '--trace', '--local', '198.18.0.1']);
    expect(client.lines[0]).toContain(' out 198.18.0.1:40001 ');
    const fwd = await run(['replay', DEMO, '--trace']);
    expect(fwd.lines.filter((l) => l.startsWith('#')).every((l) => / fwd | - - SKIPPED/.test(l))).toBe(true);
    const bad = await run(['replay', DEMO, '--local', '198.18.0.300']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--local: "198.18.0.300" is not an IPv4 or IPv6 address');
  });

  it('--trace: one line per packet, before the events it caused; ICMP, skipped frames', async () => {
    const r = await run(['replay', DEMO, '--trace', '--events', '--local', '198.18.0.2']);
    expect(r.lines[0]).toMatch(/^#1 .* NEW SYN_SENT$/);
    expect(r.lines[1]).toMatch(/^ {4}\[NEW\] tcp/);
    expect(r.lines).toContain('#10 1795250780.090000 in 198.18.0.1 > 198.18.0.2 icmp type=8 code=0 NEW');
    expect(r.lines).toContain('#12 1795250780.110000 - - SKIPPED (not IP)');
    const rst = r.lines.findIndex((l) => l.startsWith('#14 '));
    expect(r.lines[rst]).toMatch(/tcp ESTABLISHED_REPLY CLOSE$/);
    expect(r.lines[rst + 1]).toMatch(/^\[DESTROY\] tcp {6}6 \d+ CLOSE .*sport=40003 dport=9/);
  });

  it('--trace shows packets dropped before conntrack and INVALID ones with the reason', async () => {
    const w = new PcapWriter({ linktype: 101 });
    w.add(
      tcpPacket('198.18.0.1', '198.18.0.2', { sport: 1, dport: 2, flags: 'S' }, { badChecksum: true }),
      T,
    );
    w.add(tcpPacket('198.18.0.1', '198.18.0.2', { sport: 1, dport: 2, flags: 'SF', seq: 5 }), T + 1);
    w.add(ipv4({ src: '198.18.0.1', dst: '198.18.0.2', proto: 17, payload: new Uint8Array(4) }), T + 2);
    const p = join(dir, 'bad-packets.pcap');
    writeFileSync(p, w.toBytes());
    const r = await run(['replay', p, '--trace', '--stats', '--local', '198.18.0.2']);
    expect(r.lines[0]).toBe(
      '#1 1795250780.000000 in 198.18.0.1:1 > 198.18.0.2:2 tcp DROPPED_BEFORE_CONNTRACK verdict=DROP (ip_rcv InHdrErrors)',
    );
    expect(r.lines[1]).toMatch(
      /^#2 1795250780\.000001 in 198\.18\.0\.1:1 > 198\.18\.0\.2:2 tcp INVALID \(.+\)$/,
    );
    expect(r.lines[2]).toMatch(/^#3 .* udp INVALID/);
    expect(r.lines[3]).toMatch(/invalid=2 .*error=0 /);
    expect(r.err).toContain(
      '3 packets (1 dropped before conntrack: 1 InHdrErrors; 2 invalid: 1 invalid tcp flag combination, 1 short packet)',
    );
  });

  it('--json: trace, events, table and stats as JSON lines', async () => {
    const r = await run([
      'replay',
      DEMO,
      '--json',
      '--trace',
      '--events',
      '--list',
      '--stats',
      '--local',
      '198.18.0.2',
    ]);
    const objs = r.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs[0]).toMatchObject({
      type: 'packet',
      n: 1,
      path: 'in',
      proto: 'tcp',
      sport: 40001,
      ct: 'NEW',
      state: 'SYN_SENT',
    });
    expect(objs[1]).toMatchObject({ type: 'NEW', proto: 'tcp', state: 'SYN_SENT' });
    expect(objs.filter((o) => o.type === 'conntrack')).toHaveLength(3);
    expect(objs.at(-1)).toMatchObject({ type: 'stats', cpu: 0, found: 0, invalid: 0 });
    expect(r.err).not.toContain('flow entries have been shown');
  });

  it('--sysctl sets knobs (with or without net.netfilter.), bad ones exit 2', async () => {
    const r = await run([
      'replay',
      DEMO,
      '--list',
      '--sysctl',
      'nf_conntrack_acct=1',
      '--sysctl',
      'net.netfilter.nf_conntrack_udp_timeout=5',
    ]);
    expect(r.lines.find((l) => l.startsWith('udp'))).toMatch(/^udp {6}17 \d+ .*packets=2 bytes=\d+/);
    const unknown = await run(['replay', DEMO, '--sysctl', 'nf_conntrack_bogus=1']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain(
      'ctrack: --sysctl nf_conntrack_bogus=1: EINVAL: unknown sysctl nf_conntrack_bogus',
    );
    const range = await run(['replay', DEMO, '--sysctl', 'nf_conntrack_acct=7']);
    expect(range.code).toBe(2);
    expect(range.err).toContain('nf_conntrack_acct: 7 is not an integer in 0..1');
    const syntax = await run(['replay', DEMO, '--sysctl', 'nf_conntrack_acct']);
    expect(syntax.err).toContain('--sysctl: expected name=value');
  });

  it('--helper NAME[:PORT][/PROTO] is validated and loads nf_conntrack_ftp with its ct helper set rule', async () => {
    const r = await run(['replay', DEMO, '--helper', 'ftp:2121', '--helper', 'ftp/tcp']);
    expect(r.code).toBe(0);
    const mods = await run(['modules']);
    expect(mods.out).toContain('nf_conntrack_expect');
    for (const [arg, msg] of [
      ['sip', '--helper sip: ENOENT: no helper "sip" is registered'],
      ['ftp/udp', 'ENOENT: no helper "ftp" for protocol 17 is registered'],
      ['ftp:0', 'port "0" is not in 1..65535'],
      ['ftp:21:1', 'port "21:1" is not in 1..65535'],
      ['ftp/gre', 'unknown protocol "gre"'],
      ['', 'expected NAME[:PORT][/PROTO]'],
    ]) {
      const bad = await run(['replay', DEMO, '--helper', arg!]);
      expect(bad.code).toBe(2);
      expect(bad.err).toContain(msg);
      expect(bad.err).not.toContain('cannot read');
    }
  });

  it('--module loads a third-party tracker', async () => {
    const w = new PcapWriter({ linktype: 1 });
    const pkt = ipv4({ src: '198.18.0.1', dst: '198.18.0.2', proto: 253, payload: new Uint8Array(8) });
    w.add(encapsulate(1, pkt), T);
    const p = join(dir, 'p253.pcap');
    writeFileSync(p, w.toBytes());
    const r = await run(['replay', p, '--module', MOD, '--trace', '--list']);
    expect(r.code).toBe(0);
    expect(r.lines[0]).toBe('#1 1795250780.000000 fwd 198.18.0.1 > 198.18.0.2 proto-253 NEW EXPERIMENT');
    expect(r.lines[1]).toMatch(/^unknown {2}253 42 EXPERIMENT src=198\.18\.0\.1/);
    const generic = await run(['replay', p, '--list']);
    expect(generic.lines[0]).toMatch(/^unknown {2}253 600 src=/);
    const none = await run(['replay', p, '--module', 'test/fixtures/not-a-module.mjs']);
    expect(none.code).toBe(2);
    expect(none.err).toContain('exports no CtModule');
    const missing = await run(['replay', p, '--module', './no/such/file.mjs']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--module ./no/such/file.mjs: cannot load it');
  });

  it('reads "-" from stdin in chunks', async () => {
    const bytes = demoCapture();
    const chunks = [bytes.subarray(0, 7), bytes.subarray(7, 100), bytes.subarray(100)];
    const r = await run(['replay', '-', '--stats'], chunks);
    expect(r.code).toBe(0);
    expect(r.err).toContain('ctrack replay: 21 packets');
  });

  it('unknown options, extra arguments and commands exit 2', async () => {
    const a = await run(['replay', DEMO, '--frobnicate']);
    expect(a.code).toBe(2);
    expect(a.err).toContain("replay: Unknown option '--frobnicate'");
    expect((await run(['replay'])).code).toBe(2);
    expect((await run(['replay', DEMO, DEMO])).code).toBe(2);
    expect((await run(['frob'])).err).toContain('unknown command "frob"');
    expect((await run(['modules', '--nope'])).code).toBe(2);
  });

  it('--help lists every option with an example', async () => {
    const r = await run(['replay', '--help']);
    expect(r.code).toBe(0);
    for (const o of [
      '--events',
      '-o',
      '--list',
      '--list-expect',
      '--stats',
      '--json',
      '--local',
      '--sysctl',
      '--helper',
      '--module',
      '--drain',
      '--trace',
      '--stats-expect',
      '--count',
      '--until',
      '--seed',
      '--proto',
      '--mark',
    ]) {
      expect(r.out).toContain(`ctrack replay cap.pcap ${o === '-o' ? '--events -o' : o}`.slice(0, 24));
      expect(r.out).toMatch(new RegExp(`^  (-\\w, )?${o}[ ,]`, 'm'));
    }
    const top = await run(['--help']);
    expect(top.out).toContain('ctrack replay fixtures/demo.pcap --events --local 198.18.0.2');
  });

  it('replay() is usable programmatically', async () => {
    const out: string[] = [];
    const res = await replay({
      input: DEMO,
      events: true,
      local: ['198.18.0.2'],
      stdout: (t) => out.push(t),
      stderr: () => {},
      hashSeed: 1,
      idSeed: 1,
    });
    expect(res.exitCode).toBe(0);
    expect(res.counters).toMatchObject({ packets: 21, nonIpv4: 1, tracked: 20, rcvDropped: 0 });
    expect(res.flows).toBe(3);
    expect(res.net.stats.found).toBe(0);
    expect(out.join('')).toContain('[NEW] udp');
  });
});

describe('ctrack modules', () => {
  it('lists the modules in load order with what each registered', async () => {
    const r = await run(['modules']);
    expect(r.code).toBe(0);
    const names = r.lines.filter((l) => !l.startsWith(' ')).map((l) => l.split(/\s+/)[0]);
    expect(names).toEqual(
      [
        'Module',
        'nf_conntrack_ipv4',
        'nf_conntrack_proto_tcp',
        'nf_conntrack_proto_udp',
        'nf_conntrack_proto_icmp',
        'nf_conntrack_ecache',
        'nf_defrag_ipv4',
        'nf_conntrack_expect',
      ].slice(0, names.length),
    );
    expect(r.out).toContain('registered hook PRE_ROUTING -200 ipv4_conntrack_in');
  });

  it('includes --module and the --trace probe', async () => {
    const r = await run(['modules', '--module', MOD, '--trace', '--json']);
    const mods = r.lines.map(
      (l) => JSON.parse(l) as { module: string; registered: string[]; usedBy: string[] },
    );
    const m = mods.find((x) => x.module === 'nf_conntrack_proto_exp253')!;
    expect(m.registered.join(' ')).toMatch(/253/);
    expect(mods.find((x) => x.module === 'ctrack_trace')!.registered).toHaveLength(2);
    expect(mods.find((x) => x.module === 'nf_conntrack_ipv4')!.usedBy).toContain('ctrack_trace');
  });
});
