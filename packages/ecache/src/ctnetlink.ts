import {
  type Conn,
  type Expectation,
  IPCT_DESTROY,
  IPCT_NEW,
  IPCT_RELATED,
  IPEXP_DESTROY,
  IPEXP_NEW,
  IPS_CONFIRMED,
  IPS_DYING,
  type Netns,
  nfCtExtFind,
} from '@ctrack/core';
import {
  type ConnEventType,
  ENOBUFS,
  NF_NETLINK_CONNTRACK_DESTROY,
  NF_NETLINK_CONNTRACK_EXP_DESTROY,
  NF_NETLINK_CONNTRACK_EXP_NEW,
  NF_NETLINK_CONNTRACK_NEW,
  NF_NETLINK_CONNTRACK_UPDATE,
} from './constants.js';
import { type ConnEcache, CT_EXT_ECACHE, type EventMaskTemplate } from './ecache-ext.js';
import type { ConnEvent, CtEvent, ExpectEvent } from './event.js';
import { type Listener, ListenerSet } from './listener-set.js';
import { type SecctxResolver, SnapKind, snapshotConn, snapshotExpect } from './snapshot.js';
import type { EcacheService } from './tokens.js';

const CONFIRMED_OR_DYING = IPS_CONFIRMED | IPS_DYING;

/**
 * The netns' event notifier (the slot ecache fills, docs/registration.md §6) and the
 * ctnetlink side that turns event bits into messages for the subscribed listeners.
 * Cached bits live in each conn's ecache extension (docs/ecache.md §3).
 */
export class EcacheNet implements EcacheService {
  readonly listeners = new ListenerSet();
  /** `ct event set` analogue: explicit masks for new conns (docs/ecache.md §2). */
  template: EventMaskTemplate | null = null;
  /** secmark → secctx text for messages (no LSM: none). */
  secctx: SecctxResolver | null = null;
  /** Messages built and handed to listeners, by type (diagnostics). */
  readonly sent = { conn: 0, expect: 0 };

  constructor(readonly net: Netns) {}

  /** nf_conntrack_event_cache: only remember the bits; nothing is sent. */
  cache(ct: Conn, events: number): void {
    const e = nfCtExtFind(ct, CT_EXT_ECACHE);
    if (e !== undefined) e.cache |= events;
  }

  /**
   * nf_ct_deliver_cached_events, at the confirm hook for every packet: one message
   * with every bit raised while this packet traversed the stack (plus missed ones).
   */
  deliverCached(ct: Conn): void {
    if ((ct.status & CONFIRMED_OR_DYING) !== IPS_CONFIRMED) return;
    const e = nfCtExtFind(ct, CT_EXT_ECACHE);
    if (e === undefined) return;
    const events = e.cache;
    e.cache = 0;
    this.eventmaskReport(ct, e, events, e.missed, 0, 0);
  }

  /** nf_conntrack_eventmask_report: immediate delivery (DESTROY, helper unregister). */
  report(ct: Conn, events: number, portid: number, report: number): boolean {
    const e = nfCtExtFind(ct, CT_EXT_ECACHE);
    if (e === undefined || (ct.status & IPS_CONFIRMED) === 0) return true;
    // A resent DESTROY keeps its first requester and skips the missed bits.
    const pid = e.portid !== 0 ? e.portid : portid;
    const missed = e.portid !== 0 ? 0 : e.missed;
    const ret = this.eventmaskReport(ct, e, events, missed, pid, report);
    if (ret < 0 && (events & IPCT_DESTROY) !== 0 && e.portid === 0 && portid !== 0) e.portid = portid;
    return ret >= 0;
  }

  /** nf_ct_expect_event_report: only if the master's ecache expmask has the bit. */
  expectEvent(exp: Expectation, events: number, portid: number, _report: number): void {
    const e = nfCtExtFind(exp.master, CT_EXT_ECACHE);
    if (e === undefined || (e.expmask & events) === 0) return;
    let group: number;
    let type: ExpectEvent['type'];
    if ((events & IPEXP_DESTROY) !== 0) {
      type = 'DESTROY';
      group = NF_NETLINK_CONNTRACK_EXP_DESTROY;
    } else if ((events & IPEXP_NEW) !== 0) {
      type = 'NEW';
      group = NF_NETLINK_CONNTRACK_EXP_NEW;
    } else return;
    if (!this.listeners.has(group)) return;
    const ev: ExpectEvent = Object.freeze({
      kind: 'expect',
      type,
      events,
      timestampUs: this.net.nowUs,
      portid,
      netns: this.net.inum,
      exp: snapshotExpect(exp),
    });
    this.sent.expect++;
    this.listeners.broadcast(group, ev);
  }

  /**
   * __nf_conntrack_eventmask_report: send `events | missed` if the conn's ctmask allows;
   * a failure parks the bits in `missed`, a success clears the missed ones it carried.
   */
  private eventmaskReport(
    ct: Conn,
    e: ConnEcache,
    events: number,
    missed: number,
    portid: number,
    report: number,
  ): number {
    if (((events | missed) & e.ctmask) === 0) return 0;
    const ret = this.ctEvent(events | missed, ct, portid, report);
    if (ret >= 0 && missed === 0) return 0;
    if (ret < 0) e.missed |= events;
    else e.missed &= ~missed;
    return ret;
  }

  /**
   * ctnetlink_conntrack_event: the message type and group from the bits (docs/ecache.md §4);
   * nothing is built unless someone listens on that group.
   */
  private ctEvent(events: number, ct: Conn, portid: number, _report: number): number {
    let type: ConnEventType;
    let group: number;
    if ((events & IPCT_DESTROY) !== 0) {
      type = 'DESTROY';
      group = NF_NETLINK_CONNTRACK_DESTROY;
    } else if ((events & (IPCT_NEW | IPCT_RELATED)) !== 0) {
      type = 'NEW';
      group = NF_NETLINK_CONNTRACK_NEW;
    } else if (events !== 0) {
      type = 'UPDATE';
      group = NF_NETLINK_CONNTRACK_UPDATE;
    } else return 0;
    // ctrack has no requesting socket to echo to, so `report` alone builds nothing.
    if (!this.listeners.has(group)) return 0;
    const ev: ConnEvent = Object.freeze({
      kind: 'conn',
      type,
      events,
      timestampUs: this.net.nowUs,
      portid,
      netns: this.net.inum,
      conn: snapshotConn(ct, SnapKind.EVENT, events, this.secctx),
    });
    this.sent.conn++;
    return this.listeners.broadcast(group, ev) ? 0 : -ENOBUFS;
  }

  /** Attach a listener (see subscribe.ts). */
  add(l: Listener): void {
    this.listeners.add(l);
  }

  remove(l: Listener): boolean {
    return this.listeners.remove(l);
  }

  removeAll(): void {
    this.listeners.clear();
  }
}

export type { CtEvent };
