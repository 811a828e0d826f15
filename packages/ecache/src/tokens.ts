import { defineToken, type EventNotifier, type Token } from '@ctrack/core';
import type { EventMaskTemplate } from './ecache-ext.js';
import type { Listener } from './listener-set.js';
import type { SecctxResolver } from './snapshot.js';

/**
 * A netns' event cache as other packages see it (listeners, the `ct event set`
 * template, the secctx resolver, counters): an interface, so every copy of
 * @ctrack/ecache in a process agrees on it.
 */
export interface EcacheService extends EventNotifier {
  /** `ct event set` analogue: explicit masks for new conns (docs/ecache.md §2). */
  template: EventMaskTemplate | null;
  /** secmark → secctx text for messages (no LSM: none). */
  secctx: SecctxResolver | null;
  /** Messages built and handed to listeners, by type (diagnostics). */
  readonly sent: { conn: number; expect: number };
  /** Attach a listener (see subscribe). */
  add(l: Listener): void;
  /** Detach a listener; false when it was not attached. */
  remove(l: Listener): boolean;
  /** Detach every listener (netns exit). */
  removeAll(): void;
}

/** The event cache of a netns, provided by nf_conntrack_ecache's initNet. */
export const ECACHE_NET: Token<EcacheService> = defineToken('ctrack.ecache.net');
