import type { Netns } from '@ctrack/core';
import { CliError } from '../usage-error.js';
import { tryImport } from './modules.js';
import type { OutputFormat } from './options.js';

/**
 * The parts of @ctrack/ecache the replay prints with: its listener API and its
 * conntrack-tools formatters. Resolved at run time so the replay works (minus events
 * and listings) while the package is not installed.
 */
export interface EcacheApi {
  /** Subscribe to every conn event of `net`; returns the unsubscribe function. */
  subscribeAll(net: Netns, cb: (ev: unknown) => void): () => void;
  formatEvent(ev: unknown, f: OutputFormat): string;
  eventJson(ev: unknown, f: OutputFormat): string;
  /** `conntrack -L` lines of the table (in dump order) at the netns' current time. */
  listLines(net: Netns, f: OutputFormat, json: boolean): string[];
}

type Fn = (...args: unknown[]) => unknown;

export async function loadEcacheApi(): Promise<EcacheApi | null> {
  const ns = await tryImport('@ctrack/ecache');
  if (ns === null) return null;
  const subscribe = ns.subscribe as Fn | undefined;
  const groups = ns.NFCT_ALL_CT_GROUPS as number | undefined;
  const formatEvent = ns.formatEvent as Fn | undefined;
  const formatConntrack = ns.formatConntrack as Fn | undefined;
  if (!subscribe || groups === undefined || !formatEvent || !formatConntrack) return null;
  const toJson = (ns.eventToJson ?? ns.formatEventJson) as Fn | undefined;
  const connJson = (ns.conntrackToJson ?? ns.formatConntrackJson) as Fn | undefined;
  return {
    subscribeAll: (net, cb) => subscribe(net, { groups }, cb) as () => void,
    formatEvent: (ev, f) => formatEvent(ev, f) as string,
    eventJson: (ev, f) => (toJson ? (toJson(ev, f) as string) : JSON.stringify(ev)),
    listLines: (net, f, json) =>
      net
        .conns()
        .map((ct) => (json && connJson ? (connJson(ct, f) as string) : (formatConntrack(ct, f) as string))),
  };
}

export function requireEcache(api: EcacheApi | null, what: string): EcacheApi {
  if (api === null)
    throw new CliError(
      `${what} needs @ctrack/ecache (its event listener and formatters), which is not available`,
    );
  return api;
}
