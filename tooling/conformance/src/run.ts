import { FAMILY_IPV6, LinkDecoder, packetFacts, readCapture, replay, UsageError } from '@ctrack/cli';
import { CONNTRACK_S_FIELDS, VirtualClock } from '@ctrack/core';
import { formatConntrack, formatExpect } from '@ctrack/ecache';
import { nfCtExpectations } from '@ctrack/expect';
import { type Fixture, secondsToUs } from './fixtures.js';
import {
  type EventLine,
  type ListLine,
  parseEventLine,
  parseListLine,
  parseTimestampPrefix,
  parseTraceLine,
  type TraceLine,
} from './lines.js';

/** Fixed seeds: the same replay every run (the kernel's are random; ids are mapped, not compared). */
const HASH_SEED = 0x5eed;
const ID_SEED = 0x1d;

/** One packet of the capture, as far as the comparison needs it. */
export interface PacketInfo {
  /** IP length (what nft counts: IPv4 total length, IPv6 40 + payload length), or null for a non-IP frame. */
  ipLen: number | null;
  src: string;
  proto: number;
  dport: number | null;
}

/** What ctrack made of a fixture. */
export interface CtrackRun {
  /** The replay options derived from meta.json, as `ctrack replay` arguments (for messages). */
  argv: string[];
  /** Choices made while deriving them (ignored sysctls, helpers not passed or unavailable). */
  notes: string[];
  /** The helper could not be loaded: the replay ran without it. */
  helperError: string | null;
  /** Recorded sysctls ctrack does not know (no loaded module registers them): replayed without them. */
  sysctlErrors: string[];
  /** Conn events of `--events -o timestamp,id --drain` (times = ctrack's packet clock). */
  events: EventLine[];
  /** Expectation event lines (`conntrack -E expect` format), timestamp stripped. */
  expectEvents: string[];
  /** `--trace` lines, one per packet. */
  trace: TraceLine[];
  /** The table at meta.listed_at (`conntrack -L -o id` lines), replayed without --drain. */
  list: ListLine[];
  /** `conntrack -L expect` lines at the end. */
  listExpect: string[];
  /** `conntrack -S` counters. */
  stats: Record<string, number>;
  /** Capture records by 1-based index. */
  packets: Map<number, PacketInfo>;
  stderr: string;
  exitCode: number;
}

/**
 * Read the capture once for IP lengths and ports (nft bytes; which helpers matter):
 * the CLI's own link decoding and packet reading, so both families are read alike.
 */
export async function readPackets(pcap: string): Promise<Map<number, PacketInfo>> {
  const out = new Map<number, PacketInfo>();
  const link = new LinkDecoder();
  await readCapture(pcap, (rec) => {
    const family = link.decode(rec.linktype, rec.data, rec.offset, rec.caplen);
    const nh = rec.offset + link.nhoff;
    const len = rec.caplen - link.nhoff;
    const f = family < 0 ? null : packetFacts(family, rec.data, nh, len);
    if (f === null) {
      out.set(rec.index, { ipLen: null, src: '', proto: -1, dport: null });
      return;
    }
    const b = rec.data;
    // what nft counts: the IPv4 total length, or the IPv6 header plus its payload length
    const ipLen =
      family === FAMILY_IPV6 ? 40 + ((b[nh + 4]! << 8) | b[nh + 5]!) : (b[nh + 2]! << 8) | b[nh + 3]!;
    out.set(rec.index, { ipLen, src: f.src, proto: f.proto, dport: f.dport });
  });
  return out;
}

interface Derived {
  local: string[];
  sysctl: string[];
  helpers: string[];
  /** --module packages the helpers need. */
  modules: string[];
  notes: string[];
}

/** Helpers the CLI does not bundle: the package whose module registers each (loaded with --module). */
const HELPER_PACKAGES: Readonly<Record<string, string>> = { tftp: '@ctrack/helper-tftp' };
const PROTO_NUMBERS: Readonly<Record<string, number>> = { tcp: 6, udp: 17 };

/**
 * meta.json → replay options: the observer's addresses as --local; the net.netfilter.*
 * and net.ipv4.ipfrag_* (defrag) sysctls (others are not conntrack's: noted and skipped);
 * a helper only when the capture has a received packet of its protocol to its port
 * (the recorder's nft table assigns ftp on `tcp dport 21` and tftp on `udp dport 69`
 * in prerouting in every scenario, so meta.json lists them; without such a packet the
 * kernel never attached them), with --module for a helper the CLI does not bundle.
 */
export function deriveOptions(f: Fixture, packets: Map<number, PacketInfo>): Derived {
  const notes: string[] = [];
  const sysctl: string[] = [];
  for (const [k, v] of Object.entries(f.meta.sysctls ?? {})) {
    // net.ipv4.ipfrag_* are nf_defrag_ipv4's (@ctrack/defrag registers them per netns).
    if (k.startsWith('net.netfilter.') || k.startsWith('net.ipv4.ipfrag_')) sysctl.push(`${k}=${v}`);
    else notes.push(`sysctl ${k}=${v} ignored (not a conntrack knob)`);
  }
  const local = new Set(f.meta.local);
  const helpers: string[] = [];
  const modules: string[] = [];
  for (const h of f.meta.helpers ?? []) {
    const proto = PROTO_NUMBERS[h.proto] ?? -1;
    const used = [...packets.values()].some(
      (p) => p.proto === proto && p.dport === h.port && !local.has(p.src),
    );
    if (!used) continue;
    helpers.push(`${h.name}:${h.port}`);
    const pkg = HELPER_PACKAGES[h.name];
    if (pkg !== undefined) modules.push(pkg);
  }
  return { local: f.meta.local, sysctl, helpers, modules, notes };
}

function argvOf(pcap: string, d: Derived, extra: string[]): string[] {
  return [
    'replay',
    pcap,
    ...d.local.flatMap((a) => ['--local', a]),
    ...d.sysctl.flatMap((s) => ['--sysctl', s]),
    ...d.modules.flatMap((m) => ['--module', m]),
    ...d.helpers.flatMap((h) => ['--helper', h]),
    ...extra,
  ];
}

/** Replay a fixture twice: events/trace with --drain, and the table at listed_at without. */
export async function runCtrack(f: Fixture): Promise<CtrackRun> {
  const packets = await readPackets(f.pcap);
  const listedAtUs = secondsToUs(f.meta.listed_at);
  const d = deriveOptions(f, packets);
  const notes = [...d.notes];
  let helperError: string | null = null;
  let stderr = '';
  const err = (t: string) => void (stderr += t);

  // 1. events, per-packet trace, drain (every expiry fires at its own deadline)
  let out = '';
  const base = {
    input: f.pcap,
    local: d.local,
    sysctl: d.sysctl as readonly string[],
    modules: d.modules,
    progress: false as const,
    hashSeed: HASH_SEED,
    idSeed: ID_SEED,
    stderr: err,
  };
  let helpers = d.helpers;
  const eventsOpts = () => ({
    ...base,
    helpers,
    events: true,
    format: { timestamp: true, id: true },
    trace: true,
    drain: true,
    stdout: (t: string) => void (out += t),
  });
  const sysctlErrors: string[] = [];
  let r1: Awaited<ReturnType<typeof replay>> | null = null;
  while (r1 === null) {
    try {
      r1 = await replay(eventsOpts());
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      out = '';
      // A sysctl no loaded module registers: drop it, the rest of the fixture is still compared.
      const bad = base.sysctl.find((s) => e.message.startsWith(`--sysctl ${s}:`));
      if (bad !== undefined) {
        sysctlErrors.push(e.message);
        notes.push(`${e.message}: replayed without it`);
        base.sysctl = base.sysctl.filter((s) => s !== bad);
      } else if (helpers.length > 0) {
        helperError = e.message;
        notes.push(`${e.message}: replayed without --helper ${helpers.join(',')}`);
        helpers = [];
      } else throw e;
    }
  }
  const events: EventLine[] = [];
  const expectEvents: string[] = [];
  const trace: TraceLine[] = [];
  for (const l of out.split('\n')) {
    if (l === '') continue;
    const t = parseTraceLine(l);
    if (t !== null) {
      trace.push(t);
      continue;
    }
    const e = parseEventLine(l, events.length);
    if (e !== null) events.push(e);
    else {
      // The kernel's recording ends with the listing: an expectation still pending then
      // (listed by `conntrack -L expect`) has no DESTROY line in expect-events.txt.
      const x = parseTimestampPrefix(l);
      if (x.tsUs === null || x.tsUs <= listedAtUs) expectEvents.push(x.rest);
    }
  }

  // 2. no drain: let the clock run to the listing, then read the tables and counters
  const r2 = await replay({ ...base, helpers, stdout: () => {} });
  const net = r2.net;
  if (net.clock instanceof VirtualClock) net.clock.set(listedAtUs);
  else (net.clock as unknown as { set(us: number): void }).set(listedAtUs);
  net.syncClock();
  const list = net.conns().map((ct) => parseListLine(formatConntrack(ct, { id: true })));
  const listExpect = nfCtExpectations(net).map((e) => formatExpect(e));
  const stats: Record<string, number> = {};
  for (const k of CONNTRACK_S_FIELDS) stats[k] = net.stats[k];

  return {
    argv: argvOf(f.pcap, { ...d, sysctl: [...base.sysctl], helpers }, [
      '--events',
      '-o',
      'timestamp,id',
      '--trace',
      '--drain',
    ]),
    notes,
    helperError,
    sysctlErrors,
    events,
    expectEvents,
    trace,
    list,
    listExpect,
    stats,
    packets,
    stderr,
    exitCode: Math.max(r1.exitCode, r2.exitCode),
  };
}
