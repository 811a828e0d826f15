import type { Conn } from './conn.js';
import { NF_CT_EXT_TSTAMP } from './constants.js';
import { defineCtExt, nfCtExtAdd } from './ct-ext.js';
import type { ExtensionType } from './extend.js';
import type { Netns } from './netns.js';

/** struct nf_conn_tstamp, in microseconds since the epoch (start at confirm, stop at delete). */
export class ConnTstamp {
  startUs = 0;
  stopUs = 0;
}

/** The tstamp extension's start/stop times. */
export const CT_EXT_TSTAMP = defineCtExt<ConnTstamp>(NF_CT_EXT_TSTAMP, 'tstamp');

/** The tstamp extension: added to new conns while nf_conntrack_timestamp is 1. */
export const tstampExtension: ExtensionType = {
  id: NF_CT_EXT_TSTAMP,
  name: 'tstamp',
  attach(ct: Conn, net: Netns): void {
    if (net.tstamp.value !== 0) nfCtExtAdd(ct, CT_EXT_TSTAMP, new ConnTstamp());
  },
};
