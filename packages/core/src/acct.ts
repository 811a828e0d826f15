import type { Conn } from './conn.js';
import { NF_CT_EXT_ACCT } from './constants.js';
import { defineCtExt, nfCtExtAdd } from './ct-ext.js';
import type { ExtensionType } from './extend.js';
import type { Netns } from './netns.js';
import { ConnAcct } from './refresh.js';

/** The acct extension's per-conn counters (struct nf_conn_acct). */
export const CT_EXT_ACCT = defineCtExt<ConnAcct>(NF_CT_EXT_ACCT, 'acct');

/** The acct extension: packet/byte counters on new conns while nf_conntrack_acct is 1. */
export const acctExtension: ExtensionType = {
  id: NF_CT_EXT_ACCT,
  name: 'acct',
  attach(ct: Conn, net: Netns): void {
    if (net.acct.value !== 0) nfCtExtAdd(ct, CT_EXT_ACCT, new ConnAcct());
  },
};
