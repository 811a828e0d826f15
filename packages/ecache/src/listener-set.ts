import type { CtEvent } from './event.js';
import { listenerAdded, listenerRemoved } from './listeners.js';

/**
 * One subscriber as the notifier sees it. `deliver` returns false when it could not
 * take the message (its bounded buffer is full); only a `reliable` listener turns that
 * into a delivery failure (NETLINK_BROADCAST_ERROR), which parks the bits in `missed`.
 */
export interface Listener {
  readonly groups: number;
  readonly reliable: boolean;
  deliver(ev: CtEvent): boolean;
  /** A throwing `deliver`: counted here, never propagated to the packet path. */
  failed(err: unknown, ev: CtEvent): void;
}

const GROUP_BITS = 6;

/**
 * The listeners of one netns. The array is replaced on every change, so a listener may
 * unsubscribe (or subscribe others) while a message is being delivered.
 */
export class ListenerSet {
  private list: readonly Listener[] = [];
  /** Subscribers per group bit, for the "does anyone listen on this group" test. */
  private readonly perGroup = new Int32Array(GROUP_BITS);

  get size(): number {
    return this.list.length;
  }

  has(group: number): boolean {
    return this.perGroup[31 - Math.clz32(group)]! > 0;
  }

  add(l: Listener): void {
    this.list = [...this.list, l];
    this.count(l.groups, 1);
    listenerAdded();
  }

  remove(l: Listener): boolean {
    const i = this.list.indexOf(l);
    if (i < 0) return false;
    this.list = this.list.filter((x) => x !== l);
    this.count(l.groups, -1);
    listenerRemoved();
    return true;
  }

  /** Drop every listener (netns exit). */
  clear(): void {
    for (const l of this.list) this.remove(l);
  }

  /** Hand `ev` to every listener of `group`; false if a reliable one could not take it. */
  broadcast(group: number, ev: CtEvent): boolean {
    const list = this.list;
    let ok = true;
    for (let i = 0; i < list.length; i++) {
      const l = list[i]!;
      if ((l.groups & group) === 0) continue;
      let took: boolean;
      try {
        took = l.deliver(ev);
      } catch (err) {
        l.failed(err, ev);
        continue;
      }
      if (!took && l.reliable) ok = false;
    }
    return ok;
  }

  private count(groups: number, d: number): void {
    for (let b = 0; b < GROUP_BITS; b++) if ((groups & (1 << b)) !== 0) this.perGroup[b] += d;
  }
}
