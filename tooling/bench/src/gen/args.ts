import { parseArgs } from 'node:util';
import type { WorkloadArgs, WorkloadName } from './files.js';

export const NAMES: WorkloadName[] = ['realistic', 'synflood', 'tablefill', 'fragmix', 'ftpmix'];
export const USAGE = `usage: gen <${NAMES.join('|')}> [--tcp N --udp N --open N --gap-us N | --n N] [--seed N] [-o file]\n`;

const OPTIONS = {
  tcp: { type: 'string' },
  udp: { type: 'string' },
  open: { type: 'string' },
  'gap-us': { type: 'string' },
  n: { type: 'string' },
  seed: { type: 'string' },
  o: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What the generator's command line asks for: the usage, a usage error, or a workload. */
export type GenCommand =
  | { kind: 'help' }
  | { kind: 'usage-error'; message: string }
  | { kind: 'run'; name: WorkloadName; args: WorkloadArgs; out: string | undefined };

const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));

/** `gen` arguments → a command; bad ones become a one-line reason, never an exception. */
export function parseGenArgs(argv: readonly string[]): GenCommand {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>
  >;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: OPTIONS });
  } catch (e) {
    const why = (e as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, '');
    return { kind: 'usage-error', message: why };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  const name = positionals[0] as WorkloadName | undefined;
  if (name === undefined) return { kind: 'usage-error', message: 'no workload named' };
  if (!NAMES.includes(name)) return { kind: 'usage-error', message: `unknown workload "${name}"` };
  return {
    kind: 'run',
    name,
    args: {
      tcp: num(values.tcp),
      udp: num(values.udp),
      open: num(values.open),
      gapUs: num(values['gap-us']),
      n: num(values.n),
      seed: num(values.seed),
    },
    out: values.o,
  };
}
