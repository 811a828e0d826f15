import { parseOutputFlags } from '../replay/args.js';
import type { ReplayOptions } from '../replay/options.js';
import { replay } from '../replay/replay.js';
import { UsageError } from '../usage-error.js';
import { REPLAY_HELP } from './help.js';
import type { Io } from './io.js';
import { parse } from './parse.js';

const OPTIONS = {
  events: { type: 'boolean' },
  output: { type: 'string', short: 'o', multiple: true },
  list: { type: 'boolean' },
  'list-expect': { type: 'boolean' },
  stats: { type: 'boolean' },
  json: { type: 'boolean' },
  local: { type: 'string', multiple: true },
  sysctl: { type: 'string', multiple: true },
  helper: { type: 'string', multiple: true },
  module: { type: 'string', multiple: true },
  drain: { type: 'boolean' },
  trace: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Command line → ReplayOptions (exported for tests). */
export function replayOptions(args: readonly string[], io: Io): ReplayOptions | null {
  const { values: v, positionals } = parse('replay', args, OPTIONS);
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
    json: v.json ?? false,
    local: v.local ?? [],
    sysctl: v.sysctl ?? [],
    helpers: v.helper ?? [],
    modules: v.module ?? [],
    drain: v.drain ?? false,
    trace: v.trace ?? false,
    stdout: io.stdout,
    stderr: io.stderr,
    ...(io.stdoutDrained ? { stdoutDrained: io.stdoutDrained } : {}),
  };
}

export async function replayCommand(args: readonly string[], io: Io): Promise<number> {
  const opts = replayOptions(args, io);
  if (opts === null) {
    io.stdout(REPLAY_HELP);
    return 0;
  }
  return (await replay(opts)).exitCode;
}
