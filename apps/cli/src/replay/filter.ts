import { parseIpv4 } from '@ctrack/core';
import type { ConnSnapshot, TupleSnapshot } from '@ctrack/ecache';
import { UsageError } from '../usage-error.js';

/**
 * conntrack's filters on what is printed (conntrack(8): -p, -s/--orig-src, -d/--orig-dst,
 * -r/--reply-src, -q/--reply-dst, --sport/--orig-port-src, --dport/--orig-port-dst,
 * --reply-port-src/--reply-port-dst, --state, --zone, -m/--mark VALUE[/MASK]), as text
 * from the command line. Every given filter must match (AND).
 */
export interface FilterSpec {
  proto?: string;
  src?: string;
  dst?: string;
  replySrc?: string;
  replyDst?: string;
  sport?: string;
  dport?: string;
  replySport?: string;
  replyDport?: string;
  /** One state or several separated by commas (TCP: ESTABLISHED, TIME_WAIT, ...). */
  state?: string;
  zone?: string;
  mark?: string;
}

/** An address filter: IPv4 with a prefix or mask, or any other address text exactly. */
interface AddrMatch {
  addr: number;
  mask: number;
  text: string | null;
}

/** A parsed FilterSpec; `matches` tests one conn as a message or dump carries it. */
export class ConnFilter {
  private proto: number | null = null;
  private readonly addrs: [keyof Pick<TupleSnapshot, 'src' | 'dst'>, 'orig' | 'reply', AddrMatch][] = [];
  private readonly ports: ['sport' | 'dport', 'orig' | 'reply', number][] = [];
  private states: Set<string> | null = null;
  private zone: number | null = null;
  private mark: [number, number] | null = null;

  constructor(s: FilterSpec) {
    if (s.proto !== undefined) this.proto = parseProto(s.proto);
    const addr = (v: string | undefined, key: 'src' | 'dst', dir: 'orig' | 'reply', opt: string) => {
      if (v !== undefined) this.addrs.push([key, dir, parseAddr(v, opt)]);
    };
    addr(s.src, 'src', 'orig', '--src');
    addr(s.dst, 'dst', 'orig', '--dst');
    addr(s.replySrc, 'src', 'reply', '--reply-src');
    addr(s.replyDst, 'dst', 'reply', '--reply-dst');
    const port = (v: string | undefined, key: 'sport' | 'dport', dir: 'orig' | 'reply', opt: string) => {
      if (v !== undefined) this.ports.push([key, dir, parseUint(v, opt, 65535)]);
    };
    port(s.sport, 'sport', 'orig', '--sport');
    port(s.dport, 'dport', 'orig', '--dport');
    port(s.replySport, 'sport', 'reply', '--reply-port-src');
    port(s.replyDport, 'dport', 'reply', '--reply-port-dst');
    if (s.state !== undefined) {
      this.states = new Set(s.state.split(',').map((w) => w.trim().toUpperCase()));
    }
    if (s.zone !== undefined) this.zone = parseUint(s.zone, '--zone', 65535);
    if (s.mark !== undefined) this.mark = parseMark(s.mark);
  }

  /** True when no filter was given (nothing to test). */
  get empty(): boolean {
    return (
      this.proto === null &&
      this.addrs.length === 0 &&
      this.ports.length === 0 &&
      this.states === null &&
      this.zone === null &&
      this.mark === null
    );
  }

  matches(s: ConnSnapshot): boolean {
    if (this.proto !== null && s.protonum !== this.proto) return false;
    for (const [key, dir, m] of this.addrs) if (!addrMatches(m, s[dir][key])) return false;
    for (const [key, dir, port] of this.ports) {
      const l4 = s[dir].l4;
      if (l4.kind !== 'ports' || l4[key] !== port) return false;
    }
    if (this.states !== null && (s.state === null || !this.states.has(s.state))) return false;
    if (this.zone !== null && s.zone !== this.zone) return false;
    if (this.mark !== null && ((s.mark ?? 0) & this.mark[1]) >>> 0 !== this.mark[0]) return false;
    return true;
  }
}

const PROTOS: Record<string, number> = {
  icmp: 1,
  igmp: 2,
  tcp: 6,
  udp: 17,
  dccp: 33,
  gre: 47,
  icmpv6: 58,
  'ipv6-icmp': 58,
  sctp: 132,
  udplite: 136,
};

function parseProto(v: string): number {
  const n = PROTOS[v.toLowerCase()];
  if (n !== undefined) return n;
  if (/^\d{1,3}$/.test(v) && Number(v) <= 255) return Number(v);
  throw new UsageError(`--proto: unknown protocol "${v}" (a name like tcp, udp, icmp, or a number 0..255)`);
}

function parseUint(v: string, opt: string, max: number): number {
  const n = /^(0x[0-9a-f]+|\d+)$/i.test(v) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new UsageError(`${opt}: "${v}" is not a number in 0..${max}`);
  return n;
}

/** `VALUE[/MASK]`, both u32 (decimal or 0x hex), as conntrack's --mark. */
function parseMark(v: string): [number, number] {
  const [value, mask, extra] = v.split('/');
  if (extra !== undefined) throw new UsageError(`--mark: expected VALUE[/MASK], got "${v}"`);
  const m = mask === undefined ? 0xffffffff : parseUint(mask, '--mark', 0xffffffff);
  return [(parseUint(value!, '--mark', 0xffffffff) & m) >>> 0, m];
}

/** `A.B.C.D`, `A.B.C.D/LEN` or `A.B.C.D/MASK`; other text (IPv6) must match exactly. */
function parseAddr(v: string, opt: string): AddrMatch {
  const [a, m] = v.split('/');
  const addr = parseIpv4(a!);
  if (addr < 0) {
    if (m !== undefined || !a!.includes(':')) throw new UsageError(`${opt}: "${v}" is not an address`);
    return { addr: 0, mask: 0, text: a! };
  }
  let mask = 0xffffffff;
  if (m !== undefined) {
    if (/^\d{1,2}$/.test(m) && Number(m) <= 32)
      mask = Number(m) === 0 ? 0 : (0xffffffff << (32 - Number(m))) >>> 0;
    else if (parseIpv4(m) >= 0) mask = parseIpv4(m);
    else throw new UsageError(`${opt}: bad prefix or mask in "${v}"`);
  }
  return { addr: (addr & mask) >>> 0, mask, text: null };
}

function addrMatches(m: AddrMatch, s: string): boolean {
  if (m.text !== null) return s === m.text;
  const a = parseIpv4(s);
  return a >= 0 && (a & m.mask) >>> 0 === m.addr;
}
