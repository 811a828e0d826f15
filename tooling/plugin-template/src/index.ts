/**
 * @ctrack/plugin-template: the example conntrack helper ("example", UDP port
 * EXAMPLE_PORT): a request from the client expects the server's answer from any
 * source port to the client's port, as a RELATED conn.
 */
export * from './helper.js';
export * from './module.js';
export { default } from './module.js';
