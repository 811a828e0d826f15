import { type Conn, extAdd, extFind } from './conn.js';
import { IPS_HELPER, NF_CT_EXT_HELPER } from './constants.js';
import type { Helper } from './helper.js';

/** struct nf_conn_help: the attached helper, its private data and expectation counts per class. */
export class ConnHelp {
  helper: Helper | null = null;
  /** Helper-private state (e.g. FTP sequence tracking). */
  data: unknown = null;
  readonly expecting: number[] = [0, 0, 0, 0];
}

/** nfct_help */
export function nfctHelp(ct: Conn): ConnHelp | undefined {
  return extFind<ConnHelp>(ct, NF_CT_EXT_HELPER);
}

/**
 * Attach `helper` to an unconfirmed conn, as nft `ct helper set` or a CT template does
 * (sets IPS_HELPER). Confirm then reports IPCT_HELPER with NEW.
 */
export function nfCtHelperAssign(ct: Conn, helper: Helper): ConnHelp {
  const help = nfctHelp(ct) ?? extAdd(ct, NF_CT_EXT_HELPER, new ConnHelp());
  help.helper = helper;
  ct.status |= IPS_HELPER;
  return help;
}
