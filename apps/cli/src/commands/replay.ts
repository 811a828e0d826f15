import { parseOutputFlags, parseSeed } from '../replay/args.js';
import type { FilterSpec } from '../replay/filter.js';
import type { ReplayOptions } from '../replay/options.js';
import { replay } from '../replay/replay.js';
import { shardedReplay } from '../shard/replay.js';
import { UsageError } from '../usage-error.js';
import { REPLAY_HELP } from './help.js';
import type { Io } from './io.js';
import { parse } from './parse.js';

const OPTIONS = {
  events: { type: 'boolean', short: 'E' },
  output: { type: 'string', short: 'o', multiple: true },
  list: { type: 'boolean', short: 'L' },
  'list-expect': { type: 'boolean' },
  stats: { type: 'boolean', short: 'S' },
  'stats-expect': { type: 'boolean' },
  count: { type: 'boolean', short: 'C' },
  proto: { type: 'string', short: 'p' },
  src: { type: 'string', short: 's' },
  'orig-src': { type: 'string' },
  dst: { type: 'string', short: 'd' },
  'orig-dst': { type: 'string' },
  'reply-src': { type: 'string', short: 'r' },
  'reply-dst': { type: 'string', short: 'q' },
  sport: { type: 'string' },
  'orig-port-src': { type: 'string' },
  dport: { type: 'string' },
  'orig-port-dst': { type: 'string' },
  'reply-port-src': { type: 'string' },
  'reply-port-dst': { type: 'string' },
  state: { type: 'string' },
  zone: { type: 'string' },
  mark: { type: 'string', short: 'm' },
  seed: { type: 'string' },
  until: { type: 'string' },
  json: { type: 'boolean' },
  local: { type: 'string', multiple: true },
  sysctl: { type: 'string', multiple: true },
  helper: { type: 'string', multiple: true },
  module: { type: 'string', multiple: true },
  drain: { type: 'boolean' },
  trace: { type: 'boolean' },
  workers: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** conntrack's `-L expect` / `-S expect`: the table name as the option's argument. */
function tableWords(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    if (next === 'expect' && (a === '-L' || a === '--list' || a === '-S' || a === '--stats')) {
      out.push(a === '-L' || a === '--list' ? '--list-expect' : '--stats-expect');
      i++;
    } else out.push(a);
  }
  return out;
}

/** The filter options; a long alias (--orig-src) and its short form (-s) are one filter. */
function filterSpec(v: ReturnType<typeof parse<typeof OPTIONS>>['values']): FilterSpec {
  const f: FilterSpec = {};
  const set = (k: keyof FilterSpec, ...vals: (string | undefined)[]) => {
    const x = vals.find((s) => s !== undefined);
    if (x !== undefined) f[k] = x;
  };
  set('proto', v.proto);
  set('src', v.src, v['orig-src']);
  set('dst', v.dst, v['orig-dst']);
  set('replySrc', v['reply-src']);
  set('replyDst', v['reply-dst']);
  set('sport', v.sport, v['orig-port-src']);
  set('dport', v.dport, v['orig-port-dst']);
  set('replySport', v['reply-port-src']);
  set('replyDport', v['reply-port-dst']);
  set('state', v.state);
  set('zone', v.zone);
  set('mark', v.mark);
  return f;
}

/** Command line → ReplayOptions (exported for tests). */
export function replayOptions(args: readonly string[], io: Io): ReplayOptions | null {
  const { values: v, positionals } = parse('replay', tableWords(args), OPTIONS);
  if (v.help) return null;
  if (positionals.length !== 1) {
    throw new UsageError(
      `replay: expected one capture file or "-", got ${positionals.length} (see ctrack replay --help)`,
    );
  }
  return {
    input: positionals[0]!,
    stdin: io.stdin,
    events: v.events ?? false,
    format: parseOutputFlags(v.output ?? []),
    list: v.list ?? false,
    listExpect: v['list-expect'] ?? false,
    stats: v.stats ?? false,
    statsExpect: v['stats-expect'] ?? false,
    count: v.count ?? false,
    filter: filterSpec(v),
    ...(v.until !== undefined ? { until: v.until } : {}),
    ...(v.seed !== undefined ? { seed: parseSeed(v.seed) } : {}),
    json: v.json ?? false,
    local: v.local ?? [],
    sysctl: v.sysctl ?? [],
    helpers: v.helper ?? [],
    modules: v.module ?? [],
    drain: v.drain ?? false,
    trace: v.trace ?? false,
    workers: parseWorkers(v.workers),
    stdout: io.stdout,
    stderr: io.stderr,
    ...(io.stdoutDrained ? { stdoutDrained: io.stdoutDrained } : {}),
  };
}

/** `--workers N`: 1 to 64 threads. */
function parseWorkers(v: string | undefined): number {
  if (v === undefined) return 1;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new UsageError(`--workers: expected a whole number from 1 to 64, got "${v}"`);
  return n;
}

export async function replayCommand(args: readonly string[], io: Io): Promise<number> {
  const opts = replayOptions(args, io);
  if (opts === null) {
    io.stdout(REPLAY_HELP);
    return 0;
  }
  const workers = opts.workers ?? 1;
  return (workers > 1 ? await shardedReplay(opts, workers) : await replay(opts)).exitCode;
}
