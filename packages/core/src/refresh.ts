import type { Conn } from './conn.js';
import { ctinfo2dir, IPS_CONFIRMED, IPS_FIXED_TIMEOUT, NF_CT_EXT_ACCT } from './constants.js';
import type { Skb } from './skb.js';

/** Per-direction packet and byte counters (struct nf_conn_acct). */
export class ConnAcct {
  packets0 = 0;
  bytes0 = 0;
  packets1 = 0;
  bytes1 = 0;
}

/**
 * __nf_ct_refresh_acct (docs/core.md §9, the modern rule): an unconfirmed conn keeps a
 * relative timeout, a confirmed one gets the deadline now + extra, unconditionally.
 * FIXED_TIMEOUT conns keep theirs. Then the packet is accounted.
 */
export function nfCtRefreshAcct(ct: Conn, ctinfo: number, skb: Skb, extraJiffies: number): void {
  if ((ct.status & IPS_FIXED_TIMEOUT) === 0) {
    if ((ct.status & IPS_CONFIRMED) === 0) {
      ct.timeout = extraJiffies;
    } else {
      const net = ct.net;
      ct.timeout = net.jiffies + extraJiffies;
      net.timers.update(ct);
    }
  }
  nfCtAcct(ct, ctinfo, skb);
}

/** nf_ct_refresh without accounting. */
export function nfCtRefresh(ct: Conn, extraJiffies: number): void {
  if ((ct.status & IPS_FIXED_TIMEOUT) !== 0) return;
  if ((ct.status & IPS_CONFIRMED) === 0) {
    ct.timeout = extraJiffies;
  } else {
    ct.timeout = ct.net.jiffies + extraJiffies;
    ct.net.timers.update(ct);
  }
}

/** nf_ct_acct_update: count the packet (L3 length) in its direction if the conn has acct. */
export function nfCtAcct(ct: Conn, ctinfo: number, skb: Skb): void {
  const ext = ct.ext;
  if (ext === null) return;
  const acct = ext[NF_CT_EXT_ACCT] as ConnAcct | undefined;
  if (acct === undefined) return;
  if (ctinfo2dir(ctinfo) === 0) {
    acct.packets0++;
    acct.bytes0 += skb.len;
  } else {
    acct.packets1++;
    acct.bytes1 += skb.len;
  }
}

/** Remaining timeout in jiffies (≥ 0) of a confirmed conn; unconfirmed: the relative value. */
export function nfCtExpires(ct: Conn): number {
  if ((ct.status & IPS_CONFIRMED) === 0) return ct.timeout;
  const r = ct.timeout - ct.net.jiffies;
  return Math.max(r, 0);
}
