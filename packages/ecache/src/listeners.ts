/**
 * nf_ctnetlink_has_listener: in 6.x one flag for the whole kernel, set while any
 * ctnetlink event socket is bound in any netns (docs/ecache.md §2 [obs]). ctrack counts the
 * ecache subscribers (conn or expectation events) of every Netns in this process.
 */
let listeners = 0;

export function ctnetlinkHasListener(): boolean {
  return listeners > 0;
}

/** Number of subscribers process-wide (for tests and diagnostics). */
export function ctnetlinkListenerCount(): number {
  return listeners;
}

export function listenerAdded(): void {
  listeners++;
}

export function listenerRemoved(): void {
  if (listeners > 0) listeners--;
}
