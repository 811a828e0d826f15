import {
  type Conn,
  defineCtExt,
  type Netns,
  NF_CT_EXT_ECACHE,
  nfCtExtAdd,
  nfCtExtFind,
  type Skb,
} from '@ctrack/core';
import { ECACHE_MASK_ALL } from './constants.js';
import { ctnetlinkHasListener } from './listeners.js';

/** struct nf_conntrack_ecache: the per-conn event extension (docs/ecache.md §2). */
export class ConnEcache {
  /** Bits raised while packets traverse the stack, not yet delivered. */
  cache = 0;
  /** Bits whose delivery failed; they ride along with the next delivery. */
  missed = 0;
  /** Requester of a DESTROY whose delivery failed (resent with it). */
  portid = 0;
  constructor(
    /** Conn events this conn may report. */
    readonly ctmask: number,
    /** Expectation events for expectations it masters. */
    readonly expmask: number,
  ) {}
}

/** The ecache extension's key: `nfCtExtFind(ct, CT_EXT_ECACHE)` is a ConnEcache. */
export const CT_EXT_ECACHE = defineCtExt<ConnEcache>(NF_CT_EXT_ECACHE, 'ecache');

/** nf_ct_ecache_find */
export function nfCtEcacheFind(ct: Conn): ConnEcache | undefined {
  return nfCtExtFind(ct, CT_EXT_ECACHE);
}

/**
 * Explicit masks for a new conn, as an nft `ct event set …` template gives them; the
 * netns' ecache asks this (when set) at init_conntrack. Return 0/0 for "no template".
 */
export type EventMaskTemplate = (ct: Conn, skb: Skb) => { ctmask: number; expmask: number } | null;

/** Where the extension reads a netns' template function (set by the ecache of that netns). */
export type TemplateLookup = (net: Netns) => EventMaskTemplate | null;

/**
 * nf_ct_ecache_ext_add, decided per nf_conntrack_events (docs/ecache.md §2): 0 = only with
 * template masks; 1 = always (all-ones unless the template gives masks); 2 = like 1 but
 * only if some listener exists anywhere in the process at creation time.
 */
export function ecacheExtAdd(ct: Conn, net: Netns, skb: Skb, template: EventMaskTemplate | null): void {
  let ctmask = 0;
  let expmask = 0;
  if (template !== null) {
    const m = template(ct, skb);
    if (m !== null) {
      ctmask = m.ctmask & ECACHE_MASK_ALL;
      expmask = m.expmask & ECACHE_MASK_ALL;
    }
  }
  switch (net.events.value) {
    case 0:
      if (ctmask === 0 && expmask === 0) return;
      break;
    case 2:
      if (!ctnetlinkHasListener()) return;
      if (ctmask === 0 && expmask === 0) ctmask = expmask = ECACHE_MASK_ALL;
      break;
    case 1:
      if (ctmask === 0 && expmask === 0) ctmask = expmask = ECACHE_MASK_ALL;
      break;
    default:
      return;
  }
  nfCtExtAdd(ct, CT_EXT_ECACHE, new ConnEcache(ctmask, expmask));
}
