/**
 * Time to load every ctrack module, in a fresh process: prints one JSON line with the
 * milliseconds from process start to the end of the imports, and of the imports alone.
 */
import { performance } from 'node:perf_hooks';

const t0 = performance.now();
await import('@ctrack/core');
await import('@ctrack/l3-ipv4');
await import('@ctrack/l4-tcp');
await import('@ctrack/l4-udp');
await import('@ctrack/l4-icmp');
await import('@ctrack/ecache');
await import('@ctrack/cli');
const t1 = performance.now();
process.stdout.write(`${JSON.stringify({ imports: t1 - t0, sinceStart: t1 })}\n`);
