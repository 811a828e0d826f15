/**
 * docs/ and the code agree where a table can be compared mechanically: the TCP transition
 * tables and valid flag combinations (docs/tcp.md §2, §4) and the sysctl defaults
 * (docs/sysctl.md). A change to either side without the other fails here.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kernel, VirtualClock } from '@ctrack/core';
import { ipv4Module } from '@ctrack/l3-ipv4';
import { icmpModule } from '@ctrack/l4-icmp';
import * as tcp from '@ctrack/l4-tcp';
import { udpModule } from '@ctrack/l4-udp';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/index.js';

const root = repoRoot(dirname(fileURLToPath(import.meta.url)));
const doc = (path: string) => readFileSync(join(root, path), 'utf8');

/** The body of section `num` (up to the next heading of the same or a higher level). */
function section(md: string, num: string): string {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^(#+)\\s+${num.replace('.', '\\.')}\\.?\\s`).test(l));
  if (start < 0) throw new Error(`no section ${num}`);
  const level = /^#+/.exec(lines[start])![0].length;
  let end = start + 1;
  while (end < lines.length && !(/^#+\s/.test(lines[end]) && /^#+/.exec(lines[end])![0].length <= level))
    end++;
  return lines.slice(start, end).join('\n');
}

const tableRows = (md: string) =>
  md
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|[-| ]+\|$/.test(l))
    .map((l) =>
      l
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    );

describe('docs/tcp.md and @ctrack/l4-tcp', () => {
  const STATE: Record<string, number> = {
    NONE: tcp.TCP_CONNTRACK_NONE,
    SYN_SENT: tcp.TCP_CONNTRACK_SYN_SENT,
    SYN_RECV: tcp.TCP_CONNTRACK_SYN_RECV,
    ESTABL: tcp.TCP_CONNTRACK_ESTABLISHED,
    FIN_WAIT: tcp.TCP_CONNTRACK_FIN_WAIT,
    CLOSE_WAIT: tcp.TCP_CONNTRACK_CLOSE_WAIT,
    LAST_ACK: tcp.TCP_CONNTRACK_LAST_ACK,
    TIME_WAIT: tcp.TCP_CONNTRACK_TIME_WAIT,
    CLOSE: tcp.TCP_CONNTRACK_CLOSE,
    SYN_SENT2: tcp.TCP_CONNTRACK_SYN_SENT2,
    sIV: tcp.TCP_CONNTRACK_MAX,
    sIG: tcp.TCP_CONNTRACK_IGNORE,
  };
  const INDEX = ['syn', 'synack', 'fin', 'ack', 'rst', 'none'];

  it("§4: both transition tables are the code's, cell by cell", () => {
    const rows = tableRows(section(doc('docs/tcp.md'), '4')).filter((r) => INDEX.includes(r[0]));
    expect(rows).toHaveLength(12); // ORIGINAL then REPLY
    const header = tableRows(section(doc('docs/tcp.md'), '4'))[0].slice(1);
    expect(header.map((h) => STATE[h])).toEqual([...Array(10).keys()]);
    for (let r = 0; r < 12; r++) {
      const dir = r < 6 ? 0 : 1;
      const index = INDEX.indexOf(rows[r][0]);
      const documented = rows[r].slice(1).map((name) => STATE[name]);
      const code = [...Array(10).keys()].map((old) => tcp.tcpTransition(dir, index, old));
      expect(documented, `${dir === 0 ? 'ORIGINAL' : 'REPLY'} ${rows[r][0]}`).toEqual(code);
    }
  });

  it('§2: exactly the documented flag combinations are valid', () => {
    const list = /exactly these 9 are\s+valid: ([^.]+)\./.exec(
      section(doc('docs/tcp.md'), '2').replace(/\n/g, ' '),
    );
    expect(list).not.toBeNull();
    const BIT: Record<string, number> = {
      FIN: tcp.TCPHDR_FIN,
      SYN: tcp.TCPHDR_SYN,
      RST: tcp.TCPHDR_RST,
      ACK: tcp.TCPHDR_ACK,
      URG: tcp.TCPHDR_URG,
    };
    const documented = list![1]
      .split(',')
      .map((c) =>
        c
          .trim()
          .split('+')
          .reduce((f, n) => f | BIT[n], 0),
      )
      .sort((a, b) => a - b);
    const code = [...tcp.TCP_VALID_FLAGS.keys()].filter((f) => tcp.TCP_VALID_FLAGS[f] === 1);
    expect(documented).toEqual(code);
  });
});

describe('docs/sysctl.md and the registered knobs', () => {
  const kernel = new Kernel();
  kernel.loadAll([ipv4Module, tcp.tcpModule, udpModule, icmpModule]);
  const net = kernel.createNetns({ clock: new VirtualClock(0) });
  const documented = tableRows(doc('docs/sysctl.md')).filter(
    (r) => /^nf_conntrack_\w+$/.test(r[0]) && /^\d+$/.test(r[1]),
  );

  it('every documented knob ctrack registers has the documented default', () => {
    const present = documented.filter(([name]) => net.sysctl.has(name));
    expect(present.length).toBeGreaterThan(25);
    for (const [name, value] of present) expect(net.sysctl.get(name), name).toBe(Number(value));
  });

  it('every knob the l4 trackers register is documented', () => {
    const names = new Set(documented.map((r) => r[0]));
    for (const p of [tcp.tcpL4Proto])
      for (const s of p.sysctls ?? []) expect(names, s.name).toContain(s.name);
    for (const name of [
      'nf_conntrack_udp_timeout',
      'nf_conntrack_udp_timeout_stream',
      'nf_conntrack_icmp_timeout',
    ]) {
      expect(net.sysctl.has(name), name).toBe(true);
      expect(names, name).toContain(name);
    }
  });
});
