import type { Conn } from './conn.js';
import { IPS_HELPER, NF_CT_EXT_HELPER } from './constants.js';
import { defineCtExt, nfCtExtAdd, nfCtExtFind } from './ct-ext.js';
import type { Helper } from './helper.js';

/** struct nf_conn_help: the attached helper, its private data and expectation counts per class. */
export class ConnHelp {
  helper: Helper | null = null;
  /** Helper-private state (e.g. FTP sequence tracking). */
  data: unknown = null;
  readonly expecting: number[] = [0, 0, 0, 0];
}

/** The helper extension (struct nf_conn_help at NF_CT_EXT_HELPER). */
export const CT_EXT_HELPER = defineCtExt<ConnHelp>(NF_CT_EXT_HELPER, 'helper');

/** nfct_help */
export function nfctHelp(ct: Conn): ConnHelp | undefined {
  return nfCtExtFind(ct, CT_EXT_HELPER);
}

/**
 * Attach `helper` to an unconfirmed conn, as nft `ct helper set` or a CT template does
 * (sets IPS_HELPER). Confirm then reports IPCT_HELPER with NEW.
 */
export function nfCtHelperAssign(ct: Conn, helper: Helper): ConnHelp {
  const help = nfctHelp(ct) ?? nfCtExtAdd(ct, CT_EXT_HELPER, new ConnHelp());
  help.helper = helper;
  ct.status |= IPS_HELPER;
  return help;
}
