/**
 * @ctrack/helper-tftp: the TFTP conntrack helper (nf_conntrack_tftp): a read or write
 * request to UDP 69 expects the server's answer from any port to the client's port,
 * as a RELATED conn. Made from tooling/plugin-template.
 */
export * from './helper.js';
export * from './module.js';
export { default } from './module.js';
