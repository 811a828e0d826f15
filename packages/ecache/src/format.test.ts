import {
  type Conn,
  type Expectation,
  type Helper,
  IPEXP_DESTROY,
  IPEXP_NEW,
  NF_ACCEPT,
  NF_INET_LOCAL_IN,
  nfCtHelperAssign,
  Tuple,
} from '@ctrack/core';
import { icmpPacket, tcpPacket, udpPacket } from '@ctrack/core/testing';
import { icmpModule } from '@ctrack/l4-icmp';
import { tcpModule } from '@ctrack/l4-tcp';
import { udpModule } from '@ctrack/l4-udp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NFCT_ALL_EXP_GROUPS } from './constants.js';
import type { ConnEvent } from './event.js';
import { formatConntrack, formatEvent, formatProcConntrack, timestampPrefix } from './format-conn.js';
import { formatExpect, formatProcExpect } from './format-expect.js';
import { formatProcStat, formatStats, formatStatsExpect } from './format-stats.js';
import { eventJson, formatEventJson } from './json.js';
import { ecacheOf } from './subscribe.js';
import { A, B, gen, lines, world } from './test-support/harness.js';

// `-o ktimestamp` prints localtime(); the recordings were made in UTC.
const savedTz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'UTC';
});
afterAll(() => {
  process.env.TZ = savedTz;
});

const S = 1_000_000;
/** A whole second, so delta-time arithmetic is visible. */
const T0 = 1_795_246_100 * S;

let w: ReturnType<typeof world>;
afterEach(() => w?.done());
const setup = (startUs = T0) => (w = world([udpModule, icmpModule, tcpModule], startUs));
const only = (): Conn => {
  const c = w.net.conns();
  expect(c).toHaveLength(1);
  return c[0]!;
};
const payload = (n: number) => new Uint8Array(n);

/** Set the conn mark on the first packet, as `ct mark set 42` in prerouting does. */
function markHook(mark: number) {
  w.kernel.hooks.register({
    pf: 2,
    hooknum: NF_INET_LOCAL_IN,
    priority: 0,
    hook: (skb) => {
      if (skb.ct !== null && skb.ct.mark === 0) skb.ct.mark = mark;
      return NF_ACCEPT;
    },
  });
}

const ftpHelper: Helper = {
  name: 'ftp',
  l3num: 2,
  protonum: 6,
  port: 21,
  expectPolicy: [{ maxExpected: 1, timeout: 300 }],
  expectClassMax: 0,
  help: () => NF_ACCEPT,
};

/** `ct helper set "ftp"` in prerouting: attach before confirm. */
function helperHook() {
  w.kernel.helpers.register(ftpHelper);
  w.kernel.hooks.register({
    pf: 2,
    hooknum: 0,
    priority: -150,
    hook: (skb) => {
      const ct = skb.ct;
      if (ct !== null && (ct.status & 8) === 0 && ct.orig.dport === 21) nfCtHelperAssign(ct, ftpHelper);
      return NF_ACCEPT;
    },
  });
}

function handshake(sport: number, dport: number) {
  w.input(tcpPacket(A, B, { sport, dport, flags: 'S', seq: 1000, options: { mss: 1460 } }));
  w.output(
    tcpPacket(B, A, {
      sport: dport,
      dport: sport,
      flags: 'SA',
      seq: 5000,
      ack: 1001,
      options: { mss: 1460 },
    }),
  );
  w.input(tcpPacket(A, B, { sport, dport, flags: 'A', seq: 1001, ack: 5001 }));
}

describe('conntrack -L lines (docs/formats.md §1)', () => {
  it('udp unreplied, 3 s after creation', () => {
    setup();
    w.input(udpPacket(A, B, { sport: 40001, dport: 5001 }));
    w.clock.advance(3 * S);
    w.net.syncClock();
    expect(formatConntrack(only(), w.net)).toBe(
      'udp      17 27 src=198.18.0.1 dst=198.18.0.2 sport=40001 dport=5001 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 sport=5001 dport=40001 mark=0 use=1',
    );
  });

  it('icmp echo answered', () => {
    setup();
    w.input(icmpPacket(A, B, { type: 8, id: 8157, seq: 1 }));
    w.output(icmpPacket(B, A, { type: 0, id: 8157, seq: 1 }));
    w.clock.advance(3 * S);
    w.net.syncClock();
    expect(formatConntrack(only())).toBe(
      'icmp     1 27 src=198.18.0.1 dst=198.18.0.2 type=8 code=0 id=8157 src=198.18.0.2 dst=198.18.0.1 type=0 code=0 id=8157 mark=0 use=1',
    );
  });

  it('tcp established, plain and -o extended', () => {
    setup();
    handshake(40003, 8080);
    w.clock.advance(2 * S);
    w.net.syncClock();
    const ct = only();
    expect(formatConntrack(ct)).toBe(
      'tcp      6 431998 ESTABLISHED src=198.18.0.1 dst=198.18.0.2 sport=40003 dport=8080 src=198.18.0.2 dst=198.18.0.1 sport=8080 dport=40003 [ASSURED] mark=0 use=1',
    );
    expect(formatConntrack(ct, { extended: true, timestamp: true })).toBe(
      'ipv4     2 tcp      6 431998 ESTABLISHED src=198.18.0.1 dst=198.18.0.2 sport=40003 dport=8080 src=198.18.0.2 dst=198.18.0.1 sport=8080 dport=40003 [ASSURED] mark=0 use=1',
    );
    expect(formatProcConntrack(ct)).toBe(
      'ipv4     2 tcp      6 431998 ESTABLISHED src=198.18.0.1 dst=198.18.0.2 sport=40003 dport=8080 src=198.18.0.2 dst=198.18.0.1 sport=8080 dport=40003 [ASSURED] mark=0 zone=0 use=2',
    );
  });

  it('generic with acct + tstamp; -o ktimestamp', () => {
    setup(Date.UTC(2026, 10, 21, 7, 28, 46) * 1000);
    w.net.sysctl.set('nf_conntrack_acct', 1);
    w.net.sysctl.set('nf_conntrack_timestamp', 1);
    w.input(gen(A, B, 5));
    w.clock.advance(S / 2);
    w.net.syncClock();
    const ct = only();
    expect(formatConntrack(ct)).toBe(
      'unknown  253 599 src=198.18.0.1 dst=198.18.0.2 packets=1 bytes=25 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 packets=0 bytes=0 mark=0 delta-time=0 use=1',
    );
    expect(formatProcConntrack(ct)).toBe(
      'ipv4     2 unknown  253 599 src=198.18.0.1 dst=198.18.0.2 packets=1 bytes=25 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 packets=0 bytes=0 mark=0 zone=0 delta-time=0 use=2',
    );
    w.clock.advance(24 * S);
    w.net.syncClock();
    expect(formatConntrack(ct, { ktimestamp: true })).toBe(
      'unknown  253 575 src=198.18.0.1 dst=198.18.0.2 packets=1 bytes=25 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 packets=0 bytes=0 mark=0 delta-time=24 [start=Sat Nov 21 07:28:46 2026] use=1',
    );
  });

  it('zone=7, mark=42 and their DESTROY on expiry (delta-time=30)', () => {
    setup();
    w.net.sysctl.set('nf_conntrack_acct', 1);
    w.net.sysctl.set('nf_conntrack_timestamp', 1);
    const ev = w.listen();
    w.skb.zone = 7;
    w.input(udpPacket(A, B, { sport: 41003, dport: 6000, payload: payload(30) }));
    w.output(udpPacket(B, A, { sport: 6000, dport: 41003, payload: payload(30) }));
    w.skb.zone = 0;
    markHook(42);
    w.input(udpPacket(A, B, { sport: 41004, dport: 6001, payload: payload(40) }));
    w.clock.advance(2.9 * S);
    w.net.syncClock();
    const [z, m] = [...w.net.conns()].sort((a, b) => a.orig.sport - b.orig.sport);
    expect(formatConntrack(z!)).toBe(
      'udp      17 27 src=198.18.0.1 dst=198.18.0.2 sport=41003 dport=6000 packets=1 bytes=58 src=198.18.0.2 dst=198.18.0.1 sport=6000 dport=41003 packets=1 bytes=58 mark=0 zone=7 delta-time=2 use=1',
    );
    expect(formatConntrack(m!)).toBe(
      'udp      17 27 src=198.18.0.1 dst=198.18.0.2 sport=41004 dport=6001 packets=1 bytes=68 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 sport=6001 dport=41004 packets=0 bytes=0 mark=42 delta-time=2 use=1',
    );
    expect(formatProcConntrack(z!)).toBe(
      'ipv4     2 udp      17 27 src=198.18.0.1 dst=198.18.0.2 sport=41003 dport=6000 packets=1 bytes=58 src=198.18.0.2 dst=198.18.0.1 sport=6000 dport=41003 packets=1 bytes=58 mark=0 zone=7 delta-time=2 use=2',
    );
    w.net.drain();
    expect(lines(ev).filter((l) => l.includes('6001') && l.startsWith('[DESTROY]'))).toEqual([
      '[DESTROY] udp      17 src=198.18.0.1 dst=198.18.0.2 sport=41004 dport=6001 packets=1 bytes=68 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 sport=6001 dport=41004 packets=0 bytes=0 mark=42 delta-time=30',
    ]);
    // the NEW of the mark-42 conn carries the mark: set on its first packet (≠ 0)
    expect(lines(ev).find((l) => l.includes('6001'))).toMatch(/^ {4}\[NEW\] .* mark=42$/);
  });

  it('-o id appends the conn id after use=', () => {
    setup();
    w.input(udpPacket(A, B, { sport: 40002, dport: 5002 }));
    w.clock.advance(3 * S);
    w.net.syncClock();
    const ct = only();
    expect(formatConntrack(ct, { id: true })).toBe(
      `udp      17 27 src=198.18.0.1 dst=198.18.0.2 sport=40002 dport=5002 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 sport=5002 dport=40002 mark=0 use=1 id=${ct.id >>> 0}`,
    );
  });
});

describe('conntrack -E lines (docs/formats.md §1, docs/ecache.md §4)', () => {
  it('icmp NEW then UPDATE; tcp handshake NEW/UPDATE/UPDATE', () => {
    setup();
    const ev = w.listen();
    w.input(icmpPacket(A, B, { type: 8, id: 8157 }));
    w.output(icmpPacket(B, A, { type: 0, id: 8157 }));
    handshake(40003, 8080);
    expect(lines(ev)).toEqual([
      '    [NEW] icmp     1 30 src=198.18.0.1 dst=198.18.0.2 type=8 code=0 id=8157 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 type=0 code=0 id=8157',
      ' [UPDATE] icmp     1 30 src=198.18.0.1 dst=198.18.0.2 type=8 code=0 id=8157 src=198.18.0.2 dst=198.18.0.1 type=0 code=0 id=8157',
      '    [NEW] tcp      6 120 SYN_SENT src=198.18.0.1 dst=198.18.0.2 sport=40003 dport=8080 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 sport=8080 dport=40003',
      ' [UPDATE] tcp      6 60 SYN_RECV src=198.18.0.1 dst=198.18.0.2 sport=40003 dport=8080 src=198.18.0.2 dst=198.18.0.1 sport=8080 dport=40003',
      ' [UPDATE] tcp      6 432000 ESTABLISHED src=198.18.0.1 dst=198.18.0.2 sport=40003 dport=8080 src=198.18.0.2 dst=198.18.0.1 sport=8080 dport=40003 [ASSURED]',
    ]);
  });

  it('udp expired without acct: DESTROY prints no timeout', () => {
    setup();
    const ev = w.listen();
    w.input(udpPacket(A, B, { sport: 40001, dport: 5001 }));
    w.net.drain();
    expect(lines(ev)[1]).toBe(
      '[DESTROY] udp      17 src=198.18.0.1 dst=198.18.0.2 sport=40001 dport=5001 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 sport=5001 dport=40001',
    );
  });

  it('tcp picked up mid-stream, killed by RST: DESTROY 300 CLOSE with counters', () => {
    setup();
    w.net.sysctl.set('nf_conntrack_acct', 1);
    w.net.sysctl.set('nf_conntrack_timestamp', 1);
    const ev = w.listen();
    w.input(tcpPacket(A, B, { sport: 42001, dport: 9, flags: 'A', seq: 100, ack: 200 }));
    w.output(tcpPacket(B, A, { sport: 9, dport: 42001, flags: 'R', seq: 200 }));
    expect(lines(ev)).toEqual([
      '    [NEW] tcp      6 300 ESTABLISHED src=198.18.0.1 dst=198.18.0.2 sport=42001 dport=9 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 sport=9 dport=42001',
      '[DESTROY] tcp      6 300 CLOSE src=198.18.0.1 dst=198.18.0.2 sport=42001 dport=9 packets=1 bytes=40 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 sport=9 dport=42001 packets=1 bytes=40 delta-time=0',
    ]);
  });

  it('user delete: timeout left, counters, [USERSPACE] portid', () => {
    setup();
    w.net.sysctl.set('nf_conntrack_acct', 1);
    w.net.sysctl.set('nf_conntrack_timestamp', 1);
    const ev = w.listen();
    w.input(udpPacket(A, B, { sport: 41010, dport: 5004, payload: payload(10) }));
    w.output(udpPacket(B, A, { sport: 5004, dport: 41010, payload: payload(10) }));
    w.clock.advance(S / 2);
    w.net.syncClock();
    w.net.flush(() => true, 3615336354, 1);
    expect(lines(ev).at(-1)).toBe(
      '[DESTROY] udp      17 29 src=198.18.0.1 dst=198.18.0.2 sport=41010 dport=5004 packets=1 bytes=38 src=198.18.0.2 dst=198.18.0.1 sport=5004 dport=41010 packets=1 bytes=38 delta-time=0 [USERSPACE] portid=3615336354',
    );
  });

  it('helper attached: NEW carries helper=ftp; DESTROY never does', () => {
    setup();
    helperHook();
    const ev = w.listen();
    w.input(tcpPacket(A, B, { sport: 40021, dport: 21, flags: 'S', seq: 1 }));
    w.net.flush();
    expect(lines(ev)).toEqual([
      '    [NEW] tcp      6 120 SYN_SENT src=198.18.0.1 dst=198.18.0.2 sport=40021 dport=21 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 sport=21 dport=40021 helper=ftp',
      '[DESTROY] tcp      6 120 SYN_SENT src=198.18.0.1 dst=198.18.0.2 sport=40021 dport=21 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 sport=21 dport=40021',
    ]);
  });

  it('-o timestamp,id and -o extended,timestamp', () => {
    setup(1_795_246_121_135_568);
    const ev = w.listen();
    w.input(udpPacket(A, B, { sport: 41001, dport: 5003 }));
    const e = ev[0] as ConnEvent;
    expect(formatEvent(e, { timestamp: true, id: true })).toBe(
      `[1795246121.135568]\t    [NEW] udp      17 30 src=198.18.0.1 dst=198.18.0.2 sport=41001 dport=5003 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 sport=5003 dport=41001 id=${e.conn.id}`,
    );
    expect(formatEvent(e, { timestamp: true, extended: true })).toBe(
      '[1795246121.135568]\t    [NEW] ipv4     2 udp      17 30 src=198.18.0.1 dst=198.18.0.2 sport=41001 dport=5003 [UNREPLIED] src=198.18.0.2 dst=198.18.0.1 sport=5003 dport=41001',
    );
  });

  it('-o timestamp zero-pads the microseconds as conntrack 1.4.7 does (events.txt of the recordings)', () => {
    // tooling/conformance/fixtures/many-short-flows/events.txt: `[1795251101.016796]`
    expect(timestampPrefix(1_795_251_101_016_796)).toBe('[1795251101.016796]\t');
    expect(timestampPrefix(1_795_251_101_000_007)).toBe('[1795251101.000007]\t');
    expect(timestampPrefix(0)).toBe('[0.000000]\t');
    // Before the epoch: the sign, then the magnitude (not a floored second and a positive fraction).
    expect(timestampPrefix(-1_500_000)).toBe('[-1.500000]\t');
  });

  it('JSON lines carry the same fields', () => {
    setup();
    w.net.sysctl.set('nf_conntrack_acct', 1);
    const ev = w.listen();
    w.input(udpPacket(A, B, { sport: 41010, dport: 5004, payload: payload(10) }));
    w.net.flush(() => true, 7, 1);
    const j = JSON.parse(formatEventJson(ev[1]!));
    expect(j).toEqual({
      type: 'DESTROY',
      timestamp_us: T0,
      events: 4,
      id: (ev[1] as ConnEvent).conn.id,
      l3: 'ipv4',
      l3num: 2,
      proto: 'udp',
      protonum: 17,
      timeout: 30,
      orig: { src: A, dst: B, sport: 41010, dport: 5004, packets: 1, bytes: 38 },
      reply: { src: B, dst: A, sport: 5004, dport: 41010, packets: 0, bytes: 0 },
      status: ['CONFIRMED', 'DYING'],
      portid: 7,
    });
    expect(eventJson(ev[0]!)).toMatchObject({ type: 'NEW', timeout: 30, status: ['CONFIRMED'] });
  });
});

describe('expectations (docs/formats.md §3)', () => {
  /** An FTP control conn A:40021 -> B:21 and an expectation like the helper's PORT one. */
  function ftpExpectation(dport: number): Expectation {
    helperHook();
    handshake(40021, 21);
    const master = only();
    const tuple = Object.assign(new Tuple(), {
      src: 0xc6120002,
      dst: 0xc6120001,
      sport: 0,
      dport,
      l3num: 2,
      protonum: 6,
    });
    const mask = Object.assign(new Tuple(), {
      src: 0xffffffff,
      dst: 0,
      sport: 0,
      dport: 0,
      l3num: 2,
      protonum: 6,
    });
    return { tuple, mask, master, helper: null, class: 0, flags: 0, timeout: w.net.jiffies + 300 * w.net.hz };
  }

  it('-E expect NEW / DESTROY, -L expect and /proc lines', () => {
    setup(1_795_246_236_094_436);
    const ev = w.listen(NFCT_ALL_EXP_GROUPS);
    const exp = ftpExpectation(45058);
    const ecache = ecacheOf(w.net);
    ecache.expectEvent(exp, IPEXP_NEW, 0, 0);
    expect(formatEvent(ev[0]!, { timestamp: true })).toBe(
      '[1795246236.094436]\t    [NEW] 300 proto=6 src=198.18.0.2 dst=198.18.0.1 sport=0 dport=45058 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=198.18.0.1 master-dst=198.18.0.2 sport=40021 dport=21 class=0 helper=ftp',
    );
    w.clock.advance(2 * S);
    w.net.syncClock();
    expect(formatExpect(exp)).toBe(
      '298 proto=6 src=198.18.0.2 dst=198.18.0.1 sport=0 dport=45058 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=198.18.0.1 master-dst=198.18.0.2 sport=40021 dport=21 class=0 helper=ftp',
    );
    expect(formatProcExpect(exp)).toBe(
      '298 l3proto = 2 proto=6 src=198.18.0.2 dst=198.18.0.1 sport=0 dport=45058 ftp',
    );
    w.clock.advance(2 * S);
    w.net.syncClock();
    ecache.expectEvent(exp, IPEXP_DESTROY, 0, 0);
    expect(formatEvent(ev[1]!)).toBe(
      '[DESTROY] 296 proto=6 src=198.18.0.2 dst=198.18.0.1 sport=0 dport=45058 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=198.18.0.1 master-dst=198.18.0.2 sport=40021 dport=21 class=0 helper=ftp',
    );
    expect(ev).toHaveLength(2);
  });

  it('flags and zone; no event when the master has no ecache extension', () => {
    setup();
    const ev = w.listen(NFCT_ALL_EXP_GROUPS);
    const exp = ftpExpectation(45000);
    exp.flags = 1 | 4;
    expect(formatExpect(exp)).toMatch(/ sport=40021 dport=21 PERMANENT,USERSPACE class=0 helper=ftp$/);
    expect(formatProcExpect(exp)).toBe(
      '300 l3proto = 2 proto=6 src=198.18.0.2 dst=198.18.0.1 sport=0 dport=45000 PERMANENT,USERSPACE ftp',
    );
    exp.master.ext![4] = undefined;
    ecacheOf(w.net).expectEvent(exp, IPEXP_NEW, 0, 0);
    expect(ev).toEqual([]);
  });
});

describe('statistics (docs/formats.md §4)', () => {
  it('conntrack -S, -S expect and /proc/net/stat/nf_conntrack', () => {
    setup();
    // two ICMP errors quoting a flow never seen (the error path counts them)
    const quoted = udpPacket(B, A, { sport: 40020, dport: 5020 });
    for (let i = 0; i < 2; i++) w.input(icmpPacket(A, B, { type: 3, code: 3, payload: quoted }));
    const s = w.net.stats;
    expect(formatStats(w.net, { cpus: 2 })).toEqual([
      `cpu=0   \tfound=${s.found} invalid=${s.invalid} insert=0 insert_failed=0 drop=0 early_drop=0 error=${s.error} search_restart=0 clash_resolve=0 chaintoolong=0 `,
      'cpu=1   \tfound=0 invalid=0 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 search_restart=0 clash_resolve=0 chaintoolong=0 ',
    ]);
    expect(s.invalid + s.error).toBeGreaterThan(0);
    s.expect_new = s.expect_create = s.expect_delete = 1;
    expect(formatStatsExpect(w.net)).toEqual(['cpu=0   \texpect_new=1 expect_create=1 expect_delete=1 ']);
    for (let p = 0; p < 8; p++) w.input(udpPacket(A, B, { sport: 1000 + p, dport: 53 }));
    expect(formatProcStat(w.net)).toEqual([
      'entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart',
      `00000008  00000000 00000000 00000000 ${s.invalid.toString(16).padStart(8, '0')} 00000000 00000000 00000000 00000000 00000000 00000000 00000000 ${s.error.toString(16).padStart(8, '0')}  00000001 00000001 00000001 00000000`,
    ]);
  });
});
