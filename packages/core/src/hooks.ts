import { HOOK_NAMES, NF_INET_NUMHOOKS, NFPROTO_NUMPROTO } from './constants.js';
import { CtError } from './errors.js';
import type { Netns } from './netns.js';
import type { RegistrationLog } from './registration-log.js';
import type { Skb } from './skb.js';

/** struct nf_hook_state, one reused object per netns. */
export interface HookState {
  hook: number;
  pf: number;
  net: Netns;
}

/** A hook function returns a verdict: NF_ACCEPT, NF_DROP, NF_STOLEN or NF_REPEAT. */
export type HookFn = (skb: Skb, state: HookState) => number;

/** struct nf_hook_ops */
export interface HookOps {
  readonly pf: number;
  readonly hooknum: number;
  readonly priority: number;
  readonly hook: HookFn;
  /** For listings (`ctrack modules`). */
  readonly name?: string;
}

/**
 * nf_register_net_hook(s) in the old (global) model: per family and hook point an
 * array of entries in ascending priority; an entry with the same priority as existing
 * ones goes after them, as nf_hook_entries_grow does.
 */
export class HookRegistry {
  /** entries[pf][hooknum], read by the hook runner. */
  readonly entries: HookOps[][][] = Array.from({ length: NFPROTO_NUMPROTO }, () =>
    Array.from({ length: NF_INET_NUMHOOKS }, () => [] as HookOps[]),
  );

  constructor(private readonly log: RegistrationLog) {}

  register(ops: HookOps): void {
    if (
      !(ops.pf >= 0 && ops.pf < NFPROTO_NUMPROTO) ||
      !(ops.hooknum >= 0 && ops.hooknum < NF_INET_NUMHOOKS)
    ) {
      throw new CtError('EINVAL', `hook ${ops.name ?? '?'}: bad family ${ops.pf} or hook ${ops.hooknum}`);
    }
    const list = this.entries[ops.pf]![ops.hooknum]!;
    let i = 0;
    while (i < list.length && list[i]!.priority <= ops.priority) i++;
    list.splice(i, 0, ops);
    this.log.record(
      () => this.isRegistered(ops) && this.unregister(ops),
      `hook ${HOOK_NAMES[ops.hooknum]} ${ops.priority} ${ops.name ?? '?'}`,
    );
  }

  registerMany(ops: readonly HookOps[]): void {
    const done: HookOps[] = [];
    try {
      for (const o of ops) {
        this.register(o);
        done.push(o);
      }
    } catch (e) {
      for (let i = done.length - 1; i >= 0; i--) this.unregister(done[i]!);
      throw e;
    }
  }

  unregister(ops: HookOps): void {
    const list = this.entries[ops.pf]?.[ops.hooknum];
    const i = list ? list.indexOf(ops) : -1;
    if (i < 0) throw new CtError('ENOENT', `hook ${ops.name ?? '?'} is not registered`);
    list!.splice(i, 1);
  }

  isRegistered(ops: HookOps): boolean {
    return this.entries[ops.pf]?.[ops.hooknum]?.includes(ops) ?? false;
  }
}
