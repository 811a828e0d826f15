import type { Conn } from './conn.js';
import { NF_CT_EXT_NUM } from './constants.js';
import { CtError } from './errors.js';

/**
 * A typed conntrack extension key: the extension id (NF_CT_EXT_*) with the type of
 * what the extension area holds there. `nfCtExtFind(ct, CT_EXT_ACCT)` is a `ConnAcct`
 * without a cast. A plain object: two copies of a package define equal keys.
 */
export interface CtExtKey<T> {
  /** NF_CT_EXT_* index into `ct.ext`. */
  readonly id: number;
  readonly name: string;
  /** Type marker only (never set). */
  readonly __type?: (value: T) => T;
}

/** Define the typed key of extension `id` (0 ≤ id < NF_CT_EXT_NUM). */
export function defineCtExt<T>(id: number, name: string): CtExtKey<T> {
  if (!(Number.isInteger(id) && id >= 0 && id < NF_CT_EXT_NUM))
    throw new CtError('EINVAL', `extension ${name}: id ${id} is out of range (< ${NF_CT_EXT_NUM})`);
  return Object.freeze({ id, name });
}

/** nf_ct_ext_find: the conn's extension of `key`, or undefined. */
export function nfCtExtFind<T>(ct: Conn, key: CtExtKey<T>): T | undefined {
  const e = ct.ext;
  return e === null ? undefined : (e[key.id] as T | undefined);
}

/** nf_ct_ext_add: add `value` as the conn's extension of `key` (on an unconfirmed conn); returns it. */
export function nfCtExtAdd<T>(ct: Conn, key: CtExtKey<T>, value: T): T {
  if (ct.ext === null) ct.ext = [];
  ct.ext[key.id] = value;
  return value;
}
