/**
 * Parsers for the conntrack-tools / nft text the recorder kept (README "Fixture format"),
 * used the same way on ctrack's output (it prints the same formats).
 */

export type EventType = 'NEW' | 'UPDATE' | 'DESTROY';

/** One `conntrack -E [-o timestamp,id]` conn line. */
export interface EventLine {
  /** The line as printed. */
  raw: string;
  /** Position in its file / output (0-based). */
  index: number;
  /** `-o timestamp` time in µs (`[sec.usec]`, six zero-padded digits: README), or null. */
  tsUs: number | null;
  type: EventType;
  /** Everything after the tag without the trailing ` id=N`: what must match. */
  body: string;
  /** The conn id (`-o id`), "" without. */
  id: string;
  conn: ConnFields;
}

/** The fields of a conn body (event or listing), for matching and tolerant comparison. */
export interface ConnFields {
  proto: string;
  protonum: number;
  /** The timeout column, or null (DESTROY of an expired conn prints none). */
  timeout: number | null;
  /** The TCP state word (or another l4 state), or null. */
  state: string | null;
  /** `protonum src=.. dst=.. <l4>` of the original tuple: the conn's identity. */
  origKey: string;
  deltaTime: number | null;
}

/** conntrack-tools 1.4.7's prefix exactly: `[1795251101.016796]\t` (README "Fixture format"). */
const TS_RE = /^\[(-?)(\d+)\.(\d{6})\]\t/;
/** Anything that looks like a timestamp prefix, to reject the ones not in that format. */
const TS_LIKE_RE = /^\[\s*-?\d[\d\s.]*\]\t/;
const TAG_RE = /^\s*\[(NEW|UPDATE|DESTROY)\] /;
const ID_RE = / id=(\d+)$/;

/**
 * `[1795251101.016796]\t` is 1795251101 s + 16796 µs. Only that format is accepted: a
 * prefix like `[1795251101.16796 ]` (space-padded, as an older ctrack printed) throws,
 * so a formatter that drifts from conntrack's fails the comparison instead of parsing.
 */
export function parseTimestampPrefix(line: string): { tsUs: number | null; rest: string } {
  const m = TS_RE.exec(line);
  if (m === null) {
    if (TS_LIKE_RE.test(line))
      throw new Error(`timestamp prefix not in conntrack's [sec.usec] format: ${line}`);
    return { tsUs: null, rest: line };
  }
  const us = Number(m[2]) * 1_000_000 + Number(m[3]);
  return { tsUs: m[1] === '-' ? -us : us, rest: line.slice(m[0].length) };
}

/** Parse a conn event line; null for anything else (an expectation event, a trace line). */
export function parseEventLine(raw: string, index: number): EventLine | null {
  const { tsUs, rest } = parseTimestampPrefix(raw);
  const t = TAG_RE.exec(rest);
  if (t === null) return null;
  let body = rest.slice(t[0].length).trimEnd();
  // conn lines start with the l4 protocol name (icmpv6 has digits) then its number;
  // expectation lines with a timeout
  if (!/^[a-z][a-z0-9-]*\s+\d+ /.test(body)) return null;
  const idm = ID_RE.exec(body);
  const id = idm ? idm[1]! : '';
  if (idm) body = body.slice(0, idm.index);
  return { raw, index, tsUs, type: t[1] as EventType, body, id, conn: parseConnBody(body) };
}

/** Fields of `tcp      6 120 SYN_SENT src=… dst=… sport=… dport=… …`. */
export function parseConnBody(body: string): ConnFields {
  const tok = body.split(/\s+/).filter((s) => s !== '');
  const proto = tok[0] ?? '';
  const protonum = Number(tok[1]);
  let i = 2;
  let timeout: number | null = null;
  let state: string | null = null;
  if (/^\d+$/.test(tok[i] ?? '')) timeout = Number(tok[i++]);
  if (/^[A-Z_]+$/.test(tok[i] ?? '')) state = tok[i++]!;
  const orig: string[] = [];
  for (; i < tok.length; i++) {
    const w = tok[i]!;
    if (orig.length > 0 && w.startsWith('src=')) break;
    if (w.startsWith('packets=') || w.startsWith('[')) break;
    orig.push(w);
  }
  const dt = /(?:^| )delta-time=(\d+)/.exec(body);
  return {
    proto,
    protonum,
    timeout,
    state,
    origKey: `${protonum} ${orig.join(' ')}`,
    deltaTime: dt ? Number(dt[1]) : null,
  };
}

/** Conn event lines of a text (other lines dropped). */
export function parseEvents(lines: readonly string[]): EventLine[] {
  const out: EventLine[] = [];
  for (const l of lines) {
    const e = parseEventLine(l, out.length);
    if (e !== null) out.push(e);
  }
  return out;
}

/** One `conntrack -L -o id` line. */
export interface ListLine {
  raw: string;
  /** Without ` id=N`, the timeout column and ` delta-time=N`: must match exactly. */
  key: string;
  timeout: number | null;
  deltaTime: number | null;
  id: string;
  conn: ConnFields;
}

export function parseListLine(raw: string): ListLine {
  let body = raw.trimEnd();
  const idm = ID_RE.exec(body);
  const id = idm ? idm[1]! : '';
  if (idm) body = body.slice(0, idm.index);
  const conn = parseConnBody(body);
  const key = body
    .replace(/^(\S+\s+\d+) \d+ /, '$1 ')
    .replace(/ delta-time=\d+/, '')
    .replace(/\s+/g, ' ');
  return { raw, key, timeout: conn.timeout, deltaTime: conn.deltaTime, id, conn };
}

/** `conntrack -S`: each `name=N` summed over the per-CPU lines. */
export function sumStats(lines: readonly string[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const l of lines) {
    for (const m of l.matchAll(/(\w+)=(\d+)/g)) {
      if (m[1] === 'cpu') continue;
      sum[m[1]!] = (sum[m[1]!] ?? 0) + Number(m[2]);
    }
  }
  return sum;
}

export const CT_CLASSES = ['new', 'established', 'related', 'invalid', 'untracked'] as const;
export type CtClass = (typeof CT_CLASSES)[number];
export const CHAINS = ['prerouting', 'output'] as const;
export type Chain = (typeof CHAINS)[number];

/** packets/bytes per chain and `ct state` class. */
export type NftCounters = Record<Chain, Record<CtClass, { packets: number; bytes: number }>>;

export function emptyNft(): NftCounters {
  const chain = () =>
    Object.fromEntries(CT_CLASSES.map((c) => [c, { packets: 0, bytes: 0 }])) as Record<
      CtClass,
      { packets: number; bytes: number }
    >;
  return { prerouting: chain(), output: chain() };
}

/** The ten `ct state X counter packets N bytes M` counters of nft.txt (missing = 0). */
export function parseNft(text: string): NftCounters {
  const out = emptyNft();
  let chain: Chain | null = null;
  for (const l of text.split('\n')) {
    const c = /^\s*chain (\S+) \{/.exec(l);
    if (c) {
      chain = (CHAINS as readonly string[]).includes(c[1]!) ? (c[1] as Chain) : null;
      continue;
    }
    const m = /ct state (\w+) counter packets (\d+) bytes (\d+)/.exec(l);
    if (m && chain !== null && (CT_CLASSES as readonly string[]).includes(m[1]!)) {
      const slot = out[chain][m[1] as CtClass];
      slot.packets += Number(m[2]);
      slot.bytes += Number(m[3]);
    }
  }
  return out;
}

/** A `--trace` line: `#12 1795250780.212355 in 198.18.0.1:40003 > 198.18.0.2:8080 tcp NEW SYN_SENT`. */
export interface TraceLine {
  n: number;
  tsUs: number;
  path: string;
  /** ctinfo name, or DROPPED_BEFORE_CONNTRACK / SKIPPED. */
  ct: string;
  verdict: string;
  /** IP length of the whole datagram when this packet completed one (`reassembled=N`). */
  reassembled: number | null;
  raw: string;
}

const CT_NAMES = new Set([
  'NEW',
  'ESTABLISHED',
  'RELATED',
  'ESTABLISHED_REPLY',
  'RELATED_REPLY',
  'UNTRACKED',
  'INVALID',
  'DROPPED_BEFORE_CONNTRACK',
  'SKIPPED',
]);

export function parseTraceLine(raw: string): TraceLine | null {
  if (!raw.startsWith('#')) return null;
  const tok = raw.split(' ');
  const n = Number(tok[0]!.slice(1));
  const [sec, frac] = (tok[1] ?? '0.0').split('.');
  const tsUs = Number(sec) * 1_000_000 + Number((frac ?? '0').padEnd(6, '0'));
  let ct = '';
  for (let i = 3; i < tok.length; i++) {
    if (CT_NAMES.has(tok[i]!)) {
      ct = tok[i]!;
      break;
    }
  }
  const v = tok.find((t) => t.startsWith('verdict='));
  const r = tok.find((t) => t.startsWith('reassembled='));
  return {
    n,
    tsUs,
    path: tok[2] ?? '',
    ct,
    verdict: v ? v.slice('verdict='.length) : 'ACCEPT',
    reassembled: r ? Number(r.slice('reassembled='.length)) : null,
    raw,
  };
}

/** nft's `ct state` class of a ctinfo name (both directions count the same). */
export function ctClass(ct: string): CtClass | null {
  switch (ct) {
    case 'NEW':
      return 'new';
    case 'ESTABLISHED':
    case 'ESTABLISHED_REPLY':
      return 'established';
    case 'RELATED':
    case 'RELATED_REPLY':
      return 'related';
    case 'INVALID':
      return 'invalid';
    case 'UNTRACKED':
      return 'untracked';
    default:
      return null;
  }
}
