import {
  IP_CT_ESTABLISHED,
  IP_CT_RELATED,
  IPS_EXPECTED,
  IPS_HELPER,
  NF_ACCEPT,
  NF_DROP,
  nfCtDelete,
  nfctHelp,
} from '@ctrack/core';
import { nfCtExpectations } from '@ctrack/expect';
import { describe, expect, it } from 'vitest';
import { ftpParams } from './helper.js';
import { A, B, FtpLab } from './test-support/lab.js';

const exp = (src: string, dst: string, dport: number, master = '198.19.10.1', mport = 40000, t = 300) =>
  `${t} proto=6 src=${src} dst=${dst} sport=0 dport=${dport} mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=${master} master-dst=${B} sport=${mport} dport=21 class=0 helper=ftp`;

/** One line after a USER/331 exchange (docs/ftp.md §5.6): verdict and the expectation's dport (or null). */
function tryLine(line: string, dir: 'client' | 'server', loose = false) {
  const lab = new FtpLab({ loose });
  try {
    const s = lab.connect(40000);
    s.greet();
    if (dir === 'server') s.client('PASV\r\n');
    const r = dir === 'client' ? s.client(line) : s.server(line);
    const exps = nfCtExpectations(lab.net);
    return { verdict: r.verdict, dport: exps.length ? exps[0]!.tuple.dport : null, exps, lab };
  } finally {
    ftpParams.loose = false;
  }
}

describe('FTP helper: attach and active mode (PORT)', () => {
  it('control conn gets IPS_HELPER and helper=ftp in NEW; PORT → expectation; data SYN RELATED; DESTROY on match', () => {
    const lab = new FtpLab();
    const s = lab.connect(40000);
    expect(s.ct!.status & IPS_HELPER).toBe(IPS_HELPER);
    expect(lab.lines[0]).toMatch(
      /^ {4}\[NEW\] tcp {6}6 120 SYN_SENT .* dport=21 \[UNREPLIED\] .* helper=ftp$/,
    );
    s.greet();
    const r = s.client('PORT 198,19,10,1,175,200\r\n');
    expect(r.verdict).toBe(NF_ACCEPT);
    expect(lab.expectLines()).toEqual([`    [NEW] ${exp(B, A, 45000)}`]);
    expect(lab.listExpect()).toEqual([exp(B, A, 45000)]);
    expect(lab.net.stats.expect_create).toBe(1);
    expect(nfctHelp(s.ct!)!.expecting[0]).toBe(1);

    // The server opens the data conn from any port to the announced one.
    const before = s.ct!.use;
    const d = lab.segment({ addr: B, port: 20, seq: 9000 }, { addr: A, port: 45000, seq: 0 }, 'S');
    expect(d.verdict).toBe(NF_ACCEPT);
    expect(d.ctinfo).toBe(IP_CT_RELATED);
    expect(d.ct!.status & IPS_EXPECTED).toBe(IPS_EXPECTED);
    expect(d.ct!.master).toBe(s.ct);
    expect(nfctHelp(d.ct!)).toBeUndefined(); // FTP expectations give no helper
    expect(s.ct!.use).toBe(before + 1);
    expect(lab.expectLines()[1]).toBe(`[DESTROY] ${exp(B, A, 45000)}`);
    expect(lab.lines.at(-1)).toMatch(
      /^ {4}\[NEW\] tcp {6}6 120 SYN_SENT src=198\.19\.20\.1 dst=198\.19\.10\.1 sport=20 dport=45000 \[UNREPLIED\]/,
    );
    expect(lab.lines.at(-1)).not.toContain('helper=');
    expect(lab.listExpect()).toEqual([]);
    expect([lab.net.stats.expect_new, lab.net.stats.expect_create, lab.net.stats.expect_delete]).toEqual([
      1, 1, 1,
    ]);
  });

  it('a PORT as the first client payload is not parsed; after USER it is (docs/ftp.md §3.2)', () => {
    const lab = new FtpLab();
    const s = lab.connect(40000);
    s.server('220 ready\r\n');
    expect(s.client('PORT 198,19,10,1,175,199\r\n').verdict).toBe(NF_ACCEPT);
    expect(lab.listExpect()).toEqual([]);
    s.server('500 no\r\n');
    s.client('PORT 198,19,10,1,175,198\r\n');
    expect(lab.listExpect()).toEqual([exp(B, A, 45001 - 3)]);
  });

  it('only the first line of a segment is examined', () => {
    const lab = new FtpLab();
    const s = lab.connect(40000);
    s.greet();
    s.client('NOOP\r\nPORT 198,19,10,1,10,2\r\n');
    expect(lab.listExpect()).toEqual([]);
  });

  it('a segment starting mid-line is ignored, even if it starts with PORT', () => {
    const lab = new FtpLab();
    const s = lab.connect(40000);
    s.greet();
    s.client('NOOP');
    expect(s.client('PORT 198,19,10,1,10,2\r\n').verdict).toBe(NF_ACCEPT);
    expect(lab.listExpect()).toEqual([]);
  });

  it('a command split over two segments: the first is dropped (partial), again on retransmission; the rest is mid-line', () => {
    const lab = new FtpLab();
    const s = lab.connect(40000);
    s.greet();
    const seq = s.c.seq;
    expect(s.client('PORT 198,19,', seq).verdict).toBe(NF_DROP);
    expect(s.client('PORT 198,19,', seq).verdict).toBe(NF_DROP);
    expect(s.client('P', seq).verdict).toBe(NF_DROP); // shorter than the pattern: partial too
    s.c.seq = (seq + 12) | 0;
    expect(s.client('10,1,30,1\r\n').verdict).toBe(NF_ACCEPT);
    expect(lab.listExpect()).toEqual([]);
  });

  it('out-of-sequence: a retransmitted old line start (before the remembered one) is still parsed; an unknown seq is not', () => {
    const lab = new FtpLab();
    const s = lab.connect(40000);
    s.server('220 ready\r\n');
    const first = s.c.seq;
    s.client('USER x\r\n');
    s.server('331 ok\r\n');
    s.client('PASS y\r\n');
    // Two newline positions are remembered: after USER (first+8) and after PASS.
    expect(s.client('PORT 198,19,10,1,1,1\r\n', (first + 8) | 0).verdict).toBe(NF_ACCEPT);
    expect(lab.listExpect().map((l) => l.split(' ')[5])).toEqual(['dport=257']);
    expect(s.client('PORT 198,19,10,1,1,2\r\n', (first + 3) | 0).verdict).toBe(NF_ACCEPT);
    expect(lab.listExpect().map((l) => l.split(' ')[5])).toEqual(['dport=257']);
  });

  it('two PORTs: the first expectation is evicted (max_expected 1): DESTROY then NEW', () => {
    const lab = new FtpLab();
    const s = lab.connect(40000);
    s.greet();
    s.client('PORT 198,19,10,1,176,3\r\n');
    s.server('200 ok\r\n');
    s.client('PORT 198,19,10,1,176,4\r\n');
    expect(lab.expectLines()).toEqual([
      `    [NEW] ${exp(B, A, 45059)}`,
      `[DESTROY] ${exp(B, A, 45059)}`,
      `    [NEW] ${exp(B, A, 45060)}`,
    ]);
    expect(nfctHelp(s.ct!)!.expecting[0]).toBe(1);
  });

  it('an identical PORT again replaces the expectation (DESTROY, NEW)', () => {
    const lab = new FtpLab();
    const s = lab.connect(40000);
    s.greet();
    s.client('PORT 198,19,10,1,176,3\r\n');
    s.server('200 ok\r\n');
    s.client('PORT 198,19,10,1,176,3\r\n');
    expect(lab.expectLines().map((l) => l.slice(0, 9))).toEqual(['    [NEW]', '[DESTROY]', '    [NEW]']);
    expect(lab.net.stats.expect_delete).toBe(1);
  });
});

describe('FTP helper: passive mode (227, 229)', () => {
  it('227 → expectation client:any → server:port; the client data SYN is RELATED', () => {
    const lab = new FtpLab();
    const s = lab.connect(40000);
    s.greet();
    s.client('PASV\r\n');
    s.server('227 Entering passive mode (198,19,20,1,213,31).\r\n');
    expect(lab.listExpect()).toEqual([exp(A, B, 54559)]);
    const d = lab.segment({ addr: A, port: 44283, seq: 1 }, { addr: B, port: 54559, seq: 0 }, 'S');
    expect(d.ctinfo).toBe(IP_CT_RELATED);
    expect(d.ct!.master).toBe(s.ct);
    // After the reply the data conn is ESTABLISHED like any other.
    lab.segment({ addr: B, port: 54559, seq: 700 }, { addr: A, port: 44283, seq: 2 }, 'SA', '', { ack: 2 });
    const e = lab.segment({ addr: A, port: 44283, seq: 2 }, { addr: B, port: 54559, seq: 701 }, 'A');
    expect(e.ctinfo).toBe(IP_CT_ESTABLISHED);
  });

  it('229 → expectation with the server address; no parenthesis is dropped', () => {
    const lab = new FtpLab();
    const s = lab.connect(40000);
    s.greet();
    s.client('EPSV\r\n');
    s.server('229 Entering extended passive mode (|||56955|).\r\n');
    expect(lab.listExpect()).toEqual([exp(A, B, 56955)]);
  });

  it('two 227 replies leave only the second; a following PORT replaces it', () => {
    const lab = new FtpLab();
    const s = lab.connect(40000);
    s.greet();
    s.client('PASV\r\n');
    s.server('227 =198,19,20,1,10,4\r\n');
    s.client('PASV\r\n');
    s.server('227 =198,19,20,1,10,5\r\n');
    expect(lab.listExpect()).toEqual([exp(A, B, 2565)]);
    s.client('PORT 198,19,10,1,10,6\r\n');
    expect(lab.listExpect()).toEqual([exp(B, A, 2566)]);
  });
});

describe('FTP helper: the observed verdict table (docs/ftp.md §5.6)', () => {
  const client: [string, 'ok' | 'none' | 'drop', number?][] = [
    ['PORT 198,19,10,1,10,2\r\n', 'ok', 2562],
    ['port 198,19,10,1,10,3\r\n', 'ok', 2563],
    ['PORT 198,019,010,001,010,008\r\n', 'ok', 2568],
    ['PORT 198,19,10,1,300,300\r\n', 'ok', 11564],
    ['PORT 198,19,10,1,0,0\r\n', 'ok', 0],
    ['PORTX 198,19,10,1,10,11\r\n', 'ok', 2571],
    ['PORT 198,19,10,99,10,7\r\n', 'none'],
    ['PORT   198,19,10,1,10,7\r\n', 'drop'],
    ['PORT 198,19,10,1,10,7\n', 'drop'],
    ['PORT 198,19,10,1,10,7 \r\n', 'drop'],
    ['PORT 198,19,10,1,10\r\n', 'drop'],
    ['PORT 198,19,10,1,10,7,1\r\n', 'drop'],
    ['PORT\r\n', 'drop'],
    ['port\r\n', 'drop'],
    ['EPRT |1|198.19.10.1|2571|\r\n', 'ok', 2571],
    ['EPRT !1!198.19.10.1!2572!\r\n', 'ok', 2572],
    ['eprt |1|198.19.10.1|2573|\r\n', 'ok', 2573],
    ['EPRT |1|198.19.10.77|2574|\r\n', 'none'],
    ['EPRT |2|::1|2575|\r\n', 'drop'],
    ['EPRT 1|1|198.19.10.1|2575|\r\n', 'drop'],
    ['EPRT |1|198.19.10.1|0|\r\n', 'drop'],
    ['EPRT |1|198.19.10.1|2575\r\n', 'drop'],
    ['EPRT |1|198.19.10.1|70000|\r\n', 'ok', 4464],
    ['EPRT |1|198.19.10.1|25x5|\r\n', 'drop'],
    ['NOOP\r\n', 'none'],
    ['P\x00RT 198,19,10,1,10,2\r\n', 'none'],
  ];
  for (const [line, want, dport] of client) {
    it(`client ${JSON.stringify(line)} → ${want}${dport !== undefined ? ` ${dport}` : ''}`, () => {
      const r = tryLine(line, 'client');
      expect(r.verdict).toBe(want === 'drop' ? NF_DROP : NF_ACCEPT);
      expect(r.dport).toBe(want === 'ok' ? dport : null);
    });
  }
  const server: [string, 'ok' | 'none' | 'drop', number?][] = [
    ['227 Entering Passive Mode (198,19,20,1,10,2).\r\n', 'ok', 2562],
    ['227 Entering Passive Mode 198,19,20,1,10,3\r\n', 'ok', 2563],
    ['227 =198,19,20,1,10,4\r\n', 'ok', 2564],
    ['227 Entering Passive Mode v2 (198,19,20,1,10,5).\r\n', 'drop'],
    ['227 Entering Passive Mode (198,19,20,1,10).\r\n', 'drop'],
    ['227 Entering Passive Mode (198,19,20,77,10,6).\r\n', 'none'],
    ['227-Entering Passive Mode (198,19,20,1,10,6).\r\n', 'none'],
    ['227Entering Passive Mode (198,19,20,1,10,6).\r\n', 'none'],
    ['227 no digits at all\r\n', 'drop'],
    ['229 Entering Extended Passive Mode (|||2600|)\r\n', 'ok', 2600],
    ['229 Entering Extended Passive Mode (!!!2601!)\r\n', 'ok', 2601],
    ['229 Entering Extended Passive Mode (|||70000|)\r\n', 'ok', 4464],
    ['229 Entering Extended Passive Mode |||2602|\r\n', 'drop'],
    ['229 Entering Extended Passive Mode (|||0|)\r\n', 'drop'],
    ['229 Entering Extended Passive Mode (|1|198.19.20.1|2603|)\r\n', 'drop'],
    ['229 Entering Extended Passive Mode (111126041)\r\n', 'drop'],
    ['22', 'drop'],
    ['200 ok\r\n', 'none'],
  ];
  for (const [line, want, dport] of server) {
    it(`server ${JSON.stringify(line)} → ${want}${dport !== undefined ? ` ${dport}` : ''}`, () => {
      const r = tryLine(line, 'server');
      expect(r.verdict).toBe(want === 'drop' ? NF_DROP : NF_ACCEPT);
      expect(r.dport).toBe(want === 'ok' ? dport : null);
    });
  }

  it('loose=Y accepts another address and expects that one', () => {
    const r = tryLine('PORT 198,19,10,99,10,7\r\n', 'client', true);
    expect(r.dport).toBe(2567);
    expect(r.lab.listExpect()[0]).toContain(`src=${B} dst=198.19.10.99 sport=0 dport=2567`);
    const p = tryLine('227 Entering Passive Mode (198,19,20,77,10,6).\r\n', 'server', true);
    expect(p.lab.listExpect()[0]).toContain(`src=${A} dst=198.19.20.77 sport=0 dport=2566`);
  });
});

describe('FTP expectations: lifetime', () => {
  it('times out at exactly 300 s (IPEXP_DESTROY), not a jiffy earlier', () => {
    const lab = new FtpLab();
    const s = lab.connect(40000);
    s.greet();
    s.client('PASV\r\n');
    s.server('227 =198,19,20,1,10,4\r\n');
    const made = lab.net.jiffies;
    const deadline = nfCtExpectations(lab.net)[0]!.timeout;
    expect(deadline).toBe(made + 300 * 250);
    lab.advance(300_000 - 8);
    expect(lab.net.jiffies).toBeLessThan(deadline);
    expect(lab.listExpect()).toEqual([exp(A, B, 2564, A, 40000, 0)]);
    lab.advance(8);
    expect(lab.listExpect()).toEqual([]);
    expect(lab.expectLines().at(-1)).toBe(`[DESTROY] ${exp(A, B, 2564, A, 40000, 0)}`);
    expect(lab.events.at(-1)!.timestampUs).toBe((deadline + lab.net.jiffiesOrigin) * 4000);
  });

  it('listing shows the remaining seconds (floor of jiffies / HZ)', () => {
    const lab = new FtpLab();
    const s = lab.connect(40000);
    s.greet();
    s.client('PASV\r\n');
    s.server('227 =198,19,20,1,10,4\r\n');
    lab.advance(2100);
    expect(lab.listExpect()[0]!.split(' ')[0]).toBe('297');
  });

  it('master deleted ⇒ its expectation goes, DESTROY after the master DESTROY', () => {
    const lab = new FtpLab();
    const s = lab.connect(40000);
    s.greet();
    s.client('PORT 198,19,10,1,10,2\r\n');
    nfCtDelete(s.ct!, 0, 0);
    const tail = lab.lines.slice(-2);
    expect(tail[0]).toMatch(/^\[DESTROY\] tcp .* dport=21 /);
    expect(tail[1]).toMatch(/^\[DESTROY\] \d+ proto=6 .* dport=2562 /);
    expect(lab.net.expect!.count()).toBe(0);
  });

  it('an RST on the control conn removes the expectation', () => {
    const lab = new FtpLab();
    const s = lab.connect(40000);
    s.greet();
    s.client('PORT 198,19,10,1,10,2\r\n');
    lab.segment(s.c, s.s, 'RA');
    lab.advance(10_001); // CLOSE 10 s
    expect(lab.listExpect()).toEqual([]);
  });

  it('helper unregister (rmmod) removes the expectations and detaches the helper (IPCT_HELPER), conns stay', () => {
    const lab = new FtpLab();
    const s = lab.connect(40000);
    s.greet();
    s.client('PORT 198,19,10,1,10,2\r\n');
    lab.kernel.unload('nft_ct_helper');
    lab.kernel.unload('nf_conntrack_ftp');
    expect(lab.listExpect()).toEqual([]);
    expect(lab.expectLines().at(-1)).toMatch(/^\[DESTROY\] /);
    expect(nfctHelp(s.ct!)!.helper).toBeNull();
    expect(lab.net.conns()).toContain(s.ct);
  });

  it('another master with the same expectation clashes ⇒ the packet is dropped (EBUSY)', () => {
    const lab = new FtpLab();
    const one = lab.connect(40000);
    one.greet();
    one.client('PASV\r\n');
    one.server('227 =198,19,20,1,10,4\r\n');
    // A second control conn from the same client: same expected tuple (client:any → server:2564).
    const two = lab.connect(40001);
    two.greet();
    two.client('PASV\r\n');
    expect(two.server('227 =198,19,20,1,10,4\r\n').verdict).toBe(NF_DROP);
    expect(lab.listExpect()).toHaveLength(1);
  });

  it('nf_conntrack_expect_max reached ⇒ EMFILE: the packet is dropped and the kernel logs it', () => {
    const lab = new FtpLab();
    lab.net.sysctl.set('nf_conntrack_expect_max', 1);
    const one = lab.connect(40000);
    one.greet();
    one.client('PORT 198,19,10,1,10,2\r\n');
    const two = lab.connect(40001);
    two.greet();
    expect(two.client('PORT 198,19,10,1,10,3\r\n').verdict).toBe(NF_DROP);
    expect(lab.kernel.logs).toContain('nf_conntrack: expectation table full');
    lab.net.sysctl.set('nf_conntrack_expect_max', 4096);
  });

  it('ftp-2121 on another port; the data conn of a 2121 control conn is RELATED too', () => {
    const lab = new FtpLab({ ports: [21, 2121] });
    const s = lab.connect(40000, 2121);
    expect(nfctHelp(s.ct!)!.helper!.name).toBe('ftp-2121');
    s.greet();
    s.client('PORT 198,19,10,1,10,2\r\n');
    expect(lab.listExpect()[0]).toContain('sport=40000 dport=2121 class=0 helper=ftp-2121');
  });

  it('without a ct helper set rule nothing is parsed (no automatic assignment)', () => {
    const lab = new FtpLab({ assign: false });
    const s = lab.connect(40000);
    expect(nfctHelp(s.ct!)).toBeUndefined();
    s.greet();
    s.client('PORT 198,19,10,1,10,2\r\n');
    expect(lab.listExpect()).toEqual([]);
  });
});
