import type { Conn } from './conn.js';
import type { Expectation } from './expect-point.js';

/**
 * The event notifier slot (docs/registration.md §6, docs/ecache.md): one per netns, filled by
 * the ecache module; a second registration is EBUSY. The core calls these at the
 * kernel's event points; with no notifier registered nothing is done.
 */
export interface EventNotifier {
  /** nf_conntrack_event_cache: remember `events` (IPCT_* mask) for `ct` while the packet is processed. */
  cache(ct: Conn, events: number): void;
  /** nf_ct_deliver_cached_events: at the confirm hook, after every packet of a conn with the extension. */
  deliverCached(ct: Conn): void;
  /**
   * nf_conntrack_event_report: deliver now (DESTROY, helper unregister). Returns false
   * when delivery failed; the core then keeps the conn until it can be delivered.
   */
  report(ct: Conn, events: number, portid: number, report: number): boolean;
  /** nf_ct_expect_event_report: IPEXP_NEW / IPEXP_DESTROY. */
  expectEvent(exp: Expectation, events: number, portid: number, report: number): void;
}
