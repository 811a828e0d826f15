/**
 * @ctrack/expect: conntrack expectations (nf_conntrack_expect): the per-netns table,
 * matching in init_conntrack, timeouts, IPEXP_NEW/DESTROY, the helper API
 * (alloc/init/related) and explicit helper assignment (nft `ct helper set`).
 */
export * from './api.js';
export * from './assign.js';
export * from './expectation.js';
export { expectModule } from './module.js';
export * from './tokens.js';
