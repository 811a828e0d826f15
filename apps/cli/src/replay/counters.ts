/** What the replay saw, for the summary on stderr and the programmatic result. */
export class ReplayCounters {
  /** Records read from the capture. */
  packets = 0;
  /** Frames that are neither IPv4 nor IPv6 (ARP, ...); the name predates IPv6. */
  nonIpv4 = 0;
  /** IPv6 frames: skipped while no IPv6 l3proto is registered (no IPv6 layer loaded). */
  ipv6 = 0;
  /** IPv4 frames: skipped while no IPv4 l3proto is registered (an IPv6-only tracker). */
  ipv4 = 0;
  /** Frames shorter than their own link header. */
  shortFrames = 0;
  /** Records the capture cut short (caplen < length on the wire: the snaplen). */
  truncated = 0;
  /** Longest captured length of a cut record: the capture's snaplen, in practice. */
  truncatedCaplen = 0;
  /** Packets that failed ip_rcv's checks (never reached conntrack). */
  rcvDropped = 0;
  /** rcvDropped by MIB counter (InTruncatedPkts, InHdrErrors). */
  readonly rcvDropReasons = new Map<string, number>();
  /** Packets conntrack found INVALID (skb.invalidReason set). */
  invalid = 0;
  /** invalid by reason, numbers taken out ("bad checksum", "SEQ is over upper bound ..."). */
  readonly invalidReasons = new Map<string, number>();
  /** Packets passed to conntrack. */
  tracked = 0;
  /** Packets whose final verdict was DROP. */
  dropped = 0;
  /** Event lines printed. */
  events = 0;

  /** Count an ip_rcv drop (cold path: a dropped packet). */
  rcvDrop(mib: string): void {
    this.rcvDropped++;
    this.rcvDropReasons.set(mib, (this.rcvDropReasons.get(mib) ?? 0) + 1);
  }

  /** Add another replay's counts (a sharded replay's workers). */
  add(o: ReplayCounters): void {
    this.packets += o.packets;
    this.nonIpv4 += o.nonIpv4;
    this.ipv6 += o.ipv6;
    this.shortFrames += o.shortFrames;
    this.truncated += o.truncated;
    this.truncatedCaplen = Math.max(this.truncatedCaplen, o.truncatedCaplen);
    this.rcvDropped += o.rcvDropped;
    for (const [k, n] of o.rcvDropReasons) this.rcvDropReasons.set(k, (this.rcvDropReasons.get(k) ?? 0) + n);
    this.invalid += o.invalid;
    for (const [k, n] of o.invalidReasons) this.invalidReasons.set(k, (this.invalidReasons.get(k) ?? 0) + n);
    this.tracked += o.tracked;
    this.dropped += o.dropped;
    this.events += o.events;
  }

  /** Reason text → its key, for the constant reasons (most are string literals). */
  private readonly keys = new Map<string, string>();

  /** Count an INVALID packet by its reason (a capture full of them must not allocate per packet). */
  invalidPacket(reason: string): void {
    this.invalid++;
    let key = this.keys.get(reason);
    if (key === undefined) {
      key = reasonKey(reason);
      // Reasons with numbers in them (TCP window checks) are new strings each time: bounded.
      if (this.keys.size < 64) this.keys.set(reason, key);
    }
    this.invalidReasons.set(key, (this.invalidReasons.get(key) ?? 0) + 1);
  }
}

/** A reason without its numbers, so packets of one kind count together. */
export function reasonKey(reason: string): string {
  return reason.replace(/ \(index \d+\) in dir \d+/, '').replace(/ \d+/g, '');
}

/** "3 bad checksum, 1 short packet", most frequent first, ties by name (the same however counted). */
function byReason(m: ReadonlyMap<string, number>): string {
  return [...m]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
}

/**
 * "ctrack replay: 20 packets (1 non-IP skipped, 1 dropped before conntrack: 1
 * InTruncatedPkts), 3 flow entries, ..." — every packet that did not simply pass is
 * counted and named.
 */
export function formatSummary(c: ReplayCounters, flows: number, elapsedMs: number): string {
  const notes: string[] = [];
  if (c.ipv6 > 0) notes.push(`${c.ipv6} IPv6 skipped (not supported by the loaded modules)`);
  if (c.ipv4 > 0) notes.push(`${c.ipv4} IPv4 skipped (not supported by the loaded modules)`);
  if (c.nonIpv4 > 0) notes.push(`${c.nonIpv4} non-IP skipped`);
  if (c.shortFrames > 0) notes.push(`${c.shortFrames} short frames skipped`);
  if (c.truncated > 0) notes.push(`${c.truncated} cut short by the capture's snaplen`);
  if (c.rcvDropped > 0) notes.push(`${c.rcvDropped} dropped before conntrack: ${byReason(c.rcvDropReasons)}`);
  if (c.invalid > 0) notes.push(`${c.invalid} invalid: ${byReason(c.invalidReasons)}`);
  if (c.dropped > 0) notes.push(`${c.dropped} dropped by conntrack`);
  const rate = elapsedMs > 0 ? Math.round((c.packets * 1000) / elapsedMs) : 0;
  const parts = [
    `ctrack replay: ${c.packets} packets${notes.length ? ` (${notes.join('; ')})` : ''}`,
    `${flows} flow entries`,
  ];
  if (c.events > 0) parts.push(`${c.events} flow events`);
  return `${parts.join(', ')} in ${(elapsedMs / 1000).toFixed(3)} s (${rate} packets/s)`;
}

/**
 * What the capture, not the network, probably did: a snaplen that cut packets, or a host
 * capture with checksum offload (outgoing packets carry no valid checksum yet, so every
 * reply is INVALID and every conn stays [UNREPLIED]). One line each, or none.
 */
export function captureHints(c: ReplayCounters, checksumOn: boolean): string[] {
  const hints: string[] = [];
  if (c.truncated > 0) {
    hints.push(
      `ctrack replay: hint: ${c.truncated} of ${c.packets} packets were cut at ${c.truncatedCaplen} bytes by the capture's snaplen; conntrack sees them truncated (capture again with tcpdump -s 0)`,
    );
  }
  const badSum = c.invalidReasons.get('bad checksum') ?? 0;
  if (badSum > 0 && checksumOn) {
    hints.push(
      `ctrack replay: hint: ${badSum} packets had a bad checksum; a capture on a sending host with checksum offload looks like this: replay with --sysctl nf_conntrack_checksum=0`,
    );
  }
  return hints;
}
