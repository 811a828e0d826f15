import { genericL3Proto, type Netns, NF_DROP, NF_STOLEN, Skb, type VirtualClock } from '@ctrack/core';
import { ipv4RcvCheck } from '@ctrack/l3-ipv4';
import { FAMILY_IPV4, FAMILY_IPV6, LinkDecoder, NOT_IP } from '../capture/linktype.js';
import type { CaptureRecord } from '../capture/record.js';
import { ReplayCounters } from './counters.js';
import type { LineOutput } from './output.js';
import { PATH_IN, PATH_NAMES, PATH_OUT, type PathClassifier } from './paths.js';
import {
  ctinfoName,
  formatTraceLine,
  packetFacts,
  type TraceEntry,
  traceJson,
  verdictName,
} from './trace-format.js';
import type { TraceProbe } from './trace-hook.js';

/**
 * Drives one netns from capture records: link header → IPv4 or IPv6, the path by
 * --local, the receive checks for received packets, then the hooks of the packet's
 * family (NFPROTO_IPV4 / NFPROTO_IPV6). A family no loaded module tracks (no l3proto
 * registered for it) is counted and skipped. One Skb for the whole replay, pointed at
 * the record's bytes in place; without --trace nothing is allocated here.
 */
export class Replayer {
  readonly counters = new ReplayCounters();
  private readonly skb = new Skb();
  private readonly link = new LinkDecoder();
  private started = false;

  constructor(
    private readonly net: Netns,
    private readonly clock: VirtualClock,
    private readonly paths: PathClassifier,
    private readonly out: LineOutput,
    private readonly probe: TraceProbe | null,
    private readonly json: boolean,
  ) {}

  readonly onRecord = (rec: CaptureRecord): void => {
    this.advance(rec.tsUs);
    this.process(rec);
  };

  /** Move the clock to a record's time (timers fire at the next sync). */
  advance(tsUs: number): void {
    if (!this.started) {
      // The clock started at 0: put it exactly at the first packet (which may be before
      // the epoch: set() never goes back), and count jiffies from there, so they and
      // every deadline stay small integers (no heap numbers). Same behaviour: only
      // differences of jiffies matter and the GC keeps its schedule.
      this.started = true;
      this.clock.advance(tsUs - this.clock.nowUs());
      this.net.rebaseJiffies(tsUs);
    }
    this.clock.set(tsUs);
  }

  /** One record, the clock already at its time. */
  process(rec: CaptureRecord): void {
    const c = this.counters;
    c.packets++;
    if (rec.caplen < rec.origlen) this.cut(rec.caplen);
    const family = this.link.decode(rec.linktype, rec.data, rec.offset, rec.caplen);
    if (family < 0 || this.net.kernel.l3protos.find(family) === genericL3Proto) {
      this.notTracked(rec, family);
      return;
    }
    const l3 = this.link.nhoff;
    const skb = this.skb.set(rec.data, rec.offset + l3, rec.caplen - l3, rec.tsUs);
    const path = this.paths.classify(family, rec.data, skb.nhoff, skb.len);
    if (path === PATH_OUT || family === FAMILY_IPV6) {
      // IPv6 gets ipv6_rcv's checks when @ctrack/l3-ipv6 provides them (issue 13); until
      // an IPv6 l3proto is registered no IPv6 packet gets here.
      trimToTotalLength(family, skb);
    } else {
      const bad = ipv4RcvCheck(skb);
      if (bad !== null) {
        c.rcvDrop(bad);
        if (this.probe !== null) this.rcvDrop(rec, path, bad);
        return;
      }
    }
    c.tracked++;
    // Conn numbers (and ids) follow the record's number in the capture, so a sharded
    // replay's workers give every conn the number one tracker would.
    this.net.packetSeq = rec.index;
    if (this.probe === null) {
      if (this.run(path, skb) === NF_DROP) c.dropped++;
    } else {
      this.traced(rec, path, skb, family);
    }
    // conntrack marked it INVALID and said why (a field read; counting is the cold path).
    if (skb.invalidReason !== null) c.invalidPacket(skb.invalidReason);
  }

  /** A record the capture cut short (snaplen). */
  private cut(caplen: number): void {
    const c = this.counters;
    c.truncated++;
    if (caplen > c.truncatedCaplen) c.truncatedCaplen = caplen;
  }

  /** Not IP, too short, or of a family no loaded module tracks: counted and skipped. */
  private notTracked(rec: CaptureRecord, family: number): void {
    const c = this.counters;
    if (family === FAMILY_IPV6) c.ipv6++;
    else if (family === FAMILY_IPV4) c.ipv4++;
    else if (family === NOT_IP) c.nonIpv4++;
    else c.shortFrames++;
    if (this.probe === null) return;
    this.skipped(
      rec,
      family === FAMILY_IPV6
        ? 'IPv6: not supported by the loaded modules'
        : family === FAMILY_IPV4
          ? 'IPv4: not supported by the loaded modules'
          : family === NOT_IP
            ? 'not IP'
            : 'frame shorter than its link header',
    );
  }

  /** The net's paths run the hooks of the packet's own family (its version nibble). */
  private run(path: number, skb: Skb): number {
    if (path === PATH_IN) return this.net.input(skb);
    if (path === PATH_OUT) return this.net.output(skb);
    return this.net.forward(skb);
  }

  /** --trace: the packet's line comes before the events it causes. */
  private traced(rec: CaptureRecord, path: number, skb: Skb, family: number): void {
    const probe = this.probe!;
    // Expiries due before this packet print before its trace line.
    this.net.syncClock();
    probe.reset();
    this.out.hold();
    // Read the packet before the hooks: a helper may rewrite it.
    const facts = packetFacts(family, skb.data, skb.nhoff, skb.len);
    const data = skb.data;
    const v = this.run(path, skb);
    if (v === NF_DROP) this.counters.dropped++;
    const entry: TraceEntry = {
      n: rec.index,
      tsUs: rec.tsUs,
      path: PATH_NAMES[path]!,
      facts,
      // STOLEN before conntrack: a fragment held by defrag (it comes back in its datagram).
      ct: probe.seen ? ctinfoName(probe.ctinfo) : v === NF_STOLEN ? 'HELD' : 'INVALID',
      state: probe.state,
      verdict: verdictName(v),
      reason: probe.seen && probe.ctinfo >= 0 ? null : skb.invalidReason,
      id: probe.id,
    };
    // The last fragment of a datagram continued as the whole datagram (defrag).
    if (skb.data !== data && v !== NF_STOLEN) entry.reassembled = skb.len;
    this.out.release(this.format(entry));
  }

  private rcvDrop(rec: CaptureRecord, path: number, mib: string): void {
    this.net.syncClock();
    const skb = this.skb;
    this.emit({
      n: rec.index,
      tsUs: rec.tsUs,
      path: PATH_NAMES[path]!,
      facts: packetFacts(FAMILY_IPV4, skb.data, skb.nhoff, skb.len),
      ct: 'DROPPED_BEFORE_CONNTRACK',
      state: '',
      verdict: 'DROP',
      reason: `ip_rcv ${mib}`,
      id: 0,
    });
  }

  private skipped(rec: CaptureRecord, why: string): void {
    this.net.syncClock();
    this.emit({
      n: rec.index,
      tsUs: rec.tsUs,
      path: '-',
      facts: null,
      ct: 'SKIPPED',
      state: '',
      verdict: '-',
      reason: why,
      id: 0,
    });
  }

  private emit(e: TraceEntry): void {
    this.out.line(this.format(e));
  }

  private format(e: TraceEntry): string {
    return this.json ? traceJson(e) : formatTraceLine(e);
  }
}

/**
 * A locally sent packet skips the receive checks, but a capture may still show link
 * padding after it: keep conntrack's length to the IP total length (IPv6: 40 + payload
 * length) when that is consistent.
 */
function trimToTotalLength(family: number, skb: Skb): void {
  const d = skb.data;
  const nh = skb.nhoff;
  if (family === FAMILY_IPV4) {
    if (skb.len < 20) return;
    const tot = (d[nh + 2]! << 8) | d[nh + 3]!;
    if (tot >= 20 && tot < skb.len) skb.len = tot;
    return;
  }
  if (skb.len < 40) return;
  const tot = 40 + ((d[nh + 4]! << 8) | d[nh + 5]!);
  if (tot < skb.len) skb.len = tot;
}
