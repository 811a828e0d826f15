import type { CaptureInput } from '../capture/source.js';
import type { FilterSpec } from './filter.js';

/** `-o` flags, as conntrack's `-o timestamp,id,extended,ktimestamp`. */
export interface OutputFormat {
  timestamp: boolean;
  id: boolean;
  extended: boolean;
  /** `[start=…] [stop=…]` in -L and DESTROY lines (needs nf_conntrack_timestamp=1). */
  ktimestamp: boolean;
}

/** `--helper NAME[:PORT][/PROTO]`; null = the registered helper's own port or protocol. */
export interface HelperSpec {
  name: string;
  port: number | null;
  protonum: number | null;
}

/** Everything `ctrack replay` can do; `replay()` takes it programmatically. */
export interface ReplayOptions {
  input: CaptureInput;
  /** Name for messages (default: the path or "stdin"). */
  inputName?: string;
  /** Stream used when input is "-" (default process.stdin). */
  stdin?: AsyncIterable<Uint8Array>;
  events?: boolean;
  format?: Partial<OutputFormat>;
  list?: boolean;
  listExpect?: boolean;
  stats?: boolean;
  /** `conntrack -S expect`: the expectation counters. */
  statsExpect?: boolean;
  /** `conntrack -C`: the number of entries (those the filters pass). */
  count?: boolean;
  /** conntrack's filters, on the conn events, `--list` and `--count`. */
  filter?: FilterSpec;
  /**
   * Let the clock run after the last packet to this time, firing what expires by then,
   * before --list/--stats: `+SECONDS` after the last packet, or an absolute capture time
   * `SEC[.USEC]` (as -o timestamp prints it).
   */
  until?: string;
  json?: boolean;
  /** Addresses of this host (dotted quads). */
  local?: readonly string[];
  /** Sysctl writes, "name=value" (with or without "net.netfilter."). */
  sysctl?: readonly string[];
  /** Helper assignments, "NAME[:PORT][/PROTO]" (the helper comes from a bundled module or `modules`). */
  helpers?: readonly string[];
  /** Third-party module files or package names (packages resolved from `cwd` first). */
  modules?: readonly string[];
  /** Where `modules` are resolved from first (default process.cwd()). */
  cwd?: string;
  drain?: boolean;
  trace?: boolean;
  /** Where stdout lines go (default: process.stdout); false = its buffer is full. */
  stdout?: (text: string) => unknown;
  /**
   * Backpressure: null when stdout takes more now, else a promise settled when it does.
   * Awaited between capture chunks (default: process.stdout's 'drain' when stdout is
   * the default).
   */
  stdoutDrained?: () => Promise<void> | null;
  /** Where stderr lines go (default: process.stderr). */
  stderr?: (text: string) => void;
  /** Show the progress line: 'auto' = stderr is a TTY, not CI, large file. */
  progress?: boolean | 'auto';
  /**
   * Worker threads for a sharded replay (default 1): flows are split by a symmetric
   * hash of their address pair; the output is what one thread prints.
   */
  workers?: number;
  /** Hash and conn-id seeds, for reproducible output (random otherwise, as in the kernel). */
  hashSeed?: number;
  idSeed?: number;
  /** `--seed N`: both seeds from one number (the table's bucket order and the conn ids). */
  seed?: number;
}

export function outputFormat(f: Partial<OutputFormat> | undefined): OutputFormat {
  return {
    timestamp: f?.timestamp ?? false,
    id: f?.id ?? false,
    extended: f?.extended ?? false,
    ktimestamp: f?.ktimestamp ?? false,
  };
}
