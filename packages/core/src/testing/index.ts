/** Test and benchmark support: packet builders and a ready tracker harness. */

export * from './limits.js';
export * from './packet.js';
