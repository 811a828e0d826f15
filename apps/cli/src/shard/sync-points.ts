import { Skb } from '@ctrack/core';
import { ipv4RcvCheck } from '@ctrack/l3-ipv4';
import { FAMILY_IPV4, LinkDecoder } from '../capture/linktype.js';
import type { CaptureRecord } from '../capture/record.js';
import { PATH_OUT, type PathClassifier } from '../replay/paths.js';
import { shardOfIpv4, shardOfIpv6 } from './flow-hash.js';

/**
 * Where one tracker reads its clock (and so fires what is due): at every packet that
 * enters the hooks, and with --trace at every record (each trace line comes after the
 * expiries before it). A sharded replay's workers fire their timers at exactly these
 * records, so the table between them is what one tracker's would be. Mirrors the
 * Replayer's own decision (replay/replayer.ts): link header, a family the loaded
 * modules track, then ip_rcv's checks for a received IPv4 packet. Also says which
 * worker a record goes to (flow-hash.ts).
 */
export class SyncPoints {
  private readonly skb = new Skb();
  private readonly link = new LinkDecoder();
  /** Worker of the last record `at` looked at. */
  owner = 0;

  constructor(
    private readonly paths: PathClassifier,
    private readonly trace: boolean,
    /** Families with a registered l3proto (NFPROTO numbers). */
    private readonly families: readonly number[],
    private readonly workers: number,
  ) {}

  at(rec: CaptureRecord): boolean {
    const family = this.link.decode(rec.linktype, rec.data, rec.offset, rec.caplen);
    if (family < 0) {
      this.owner = rec.index % this.workers;
      return this.trace;
    }
    const nh = rec.offset + this.link.nhoff;
    const len = rec.caplen - this.link.nhoff;
    this.owner =
      family === FAMILY_IPV4
        ? shardOfIpv4(rec.data, nh, len, this.workers)
        : shardOfIpv6(rec.data, nh, len, this.workers);
    if (this.trace) return true;
    if (!this.families.includes(family)) return false;
    if (family !== FAMILY_IPV4) return true;
    const skb = this.skb.set(rec.data, nh, len, rec.tsUs);
    return this.paths.classify(family, rec.data, nh, len) === PATH_OUT || ipv4RcvCheck(skb) === null;
  }
}
