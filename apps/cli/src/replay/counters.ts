/** What the replay saw, for the summary on stderr and the programmatic result. */
export class ReplayCounters {
  /** Records read from the capture. */
  packets = 0;
  /** Frames that are not IPv4 (ARP, IPv6, ...). */
  nonIpv4 = 0;
  /** Frames shorter than their own link header. */
  shortFrames = 0;
  /** IPv4 packets that failed ip_rcv's checks (never reached conntrack). */
  rcvDropped = 0;
  /** Packets passed to conntrack. */
  tracked = 0;
  /** Packets whose final verdict was DROP. */
  dropped = 0;
  /** Event lines printed. */
  events = 0;
}

/** "ctrack replay: 20 packets (1 non-IPv4 skipped, 1 dropped before conntrack), 3 flow entries" */
export function formatSummary(c: ReplayCounters, flows: number, elapsedMs: number): string {
  const notes: string[] = [];
  if (c.nonIpv4 > 0) notes.push(`${c.nonIpv4} non-IPv4 skipped`);
  if (c.shortFrames > 0) notes.push(`${c.shortFrames} short frames skipped`);
  if (c.rcvDropped > 0) notes.push(`${c.rcvDropped} dropped before conntrack`);
  if (c.dropped > 0) notes.push(`${c.dropped} dropped by conntrack`);
  const rate = elapsedMs > 0 ? Math.round((c.packets * 1000) / elapsedMs) : 0;
  const parts = [
    `ctrack replay: ${c.packets} packets${notes.length ? ` (${notes.join(', ')})` : ''}`,
    `${flows} flow entries`,
  ];
  if (c.events > 0) parts.push(`${c.events} flow events`);
  return `${parts.join(', ')} in ${(elapsedMs / 1000).toFixed(3)} s (${rate} packets/s)`;
}
