import { Skb } from '@ctrack/core';
import { ipv4RcvCheck } from '@ctrack/l3-ipv4';
import { ipv4Offset } from '../capture/linktype.js';
import type { CaptureRecord } from '../capture/record.js';
import { PATH_OUT, type PathClassifier } from '../replay/paths.js';

/**
 * Where one tracker reads its clock (and so fires what is due): at every packet that
 * enters the hooks, and with --trace at every record (each trace line comes after the
 * expiries before it). A sharded replay's workers fire their timers at exactly these
 * records, so the table between them is what one tracker's would be. Mirrors the
 * Replayer's own decision (replayer.ts): link header, then ip_rcv's checks for a
 * received packet.
 */
export class SyncPoints {
  private readonly skb = new Skb();

  constructor(
    private readonly paths: PathClassifier,
    private readonly trace: boolean,
  ) {}

  at(rec: CaptureRecord): boolean {
    if (this.trace) return true;
    const l3 = ipv4Offset(rec.linktype, rec.data, rec.offset, rec.caplen);
    if (l3 < 0) return false;
    const skb = this.skb.set(rec.data, rec.offset + l3, rec.caplen - l3, rec.tsUs);
    return this.paths.classify(rec.data, skb.nhoff, skb.len) === PATH_OUT || ipv4RcvCheck(skb) === null;
  }
}
