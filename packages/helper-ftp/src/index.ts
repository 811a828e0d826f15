/**
 * @ctrack/helper-ftp: the FTP conntrack helper (nf_conntrack_ftp): PORT/EPRT from the
 * client, 227/229 from the server, and the expectation for the data connection.
 */
export * from './helper.js';
export * from './module.js';
export * from './parse.js';
