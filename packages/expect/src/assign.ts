import {
  CtError,
  type CtModule,
  HELPERS,
  HOOKS,
  type HookOps,
  type HookState,
  IPS_CONFIRMED,
  IPS_HELPER,
  IPS_TEMPLATE,
  NF_ACCEPT,
  NF_INET_PRE_ROUTING,
  NF_IP_PRI_FILTER,
  NFPROTO_IPV4,
  nfCtHelperAssign,
  type Skb,
} from '@ctrack/core';

/** One `<proto> dport <port> ct helper set "<helper>"` rule. */
export interface HelperAssignRule {
  /** IP protocol the packet and the conn must have (6 = TCP). */
  readonly protonum: number;
  /** Destination port of the packet (the rule's `tcp dport`). */
  readonly dport: number;
  /** Registered helper name ("ftp", "ftp-2121"), looked up for the conn's family and protocol. */
  readonly helper: string;
}

export interface HelperAssignOptions {
  readonly rules: readonly HelperAssignRule[];
  /** Module name (unique per kernel); default "nft_ct_helper". */
  readonly name?: string;
  /** Hook points of the chain; default PRE_ROUTING only, as the recordings' ruleset. */
  readonly hooks?: readonly number[];
  /** Chain priority; default NF_IP_PRI_FILTER (0), after conntrack (-200). */
  readonly priority?: number;
  /** Modules to load first (e.g. the helper's module). */
  readonly requires?: readonly string[];
}

/**
 * Explicit helper assignment, as nft's `tcp dport 21 ct helper set "ftp"` in a
 * filter chain (nft_ct_helper_obj_eval): for a packet matching a rule, attach the
 * helper to its conn if the conn exists, is not confirmed yet, is not a template, has
 * the rule's protocol and no helper was explicitly attached before (IPS_HELPER). The
 * conn then carries IPS_HELPER and the helper extension; confirm reports IPCT_HELPER
 * with NEW. There is no port-based automatic assignment in 6.x: this is the only way.
 */
export function helperAssignModule(opts: HelperAssignOptions): CtModule {
  const hooks = opts.hooks ?? [NF_INET_PRE_ROUTING];
  const priority = opts.priority ?? NF_IP_PRI_FILTER;
  const rules = [...opts.rules];
  const name = opts.name ?? 'nft_ct_helper';
  return {
    name,
    ...(opts.requires !== undefined ? { requires: opts.requires } : {}),
    description: `ct helper set: ${rules.map((r) => `proto ${r.protonum} dport ${r.dport} -> "${r.helper}"`).join(', ')}`,
    init(c) {
      const helpers = c.get(HELPERS);
      // `ct helper set` naming a helper nobody registered fails when the rule is added.
      for (const r of rules) {
        if (helpers.find(r.helper, NFPROTO_IPV4, r.protonum) === undefined) {
          throw new CtError(
            'ENOENT',
            `${name}: no helper "${r.helper}" for protocol ${r.protonum} is registered (load its module first)`,
          );
        }
      }
      const hook = (skb: Skb, _state: HookState): number => {
        const ct = skb.ct;
        if (ct === null || (ct.status & (IPS_CONFIRMED | IPS_TEMPLATE | IPS_HELPER)) !== 0) return NF_ACCEPT;
        if (skb.thoff === 0 || skb.thoff + 4 > skb.nhoff + skb.len) return NF_ACCEPT;
        const d = skb.data;
        const dport = (d[skb.thoff + 2]! << 8) | d[skb.thoff + 3]!;
        for (const r of rules) {
          if (r.protonum !== skb.protonum || r.dport !== dport || ct.protonum !== r.protonum) continue;
          const helper = helpers.find(r.helper, ct.l3num, r.protonum);
          if (helper !== undefined) nfCtHelperAssign(ct, helper);
          break;
        }
        return NF_ACCEPT;
      };
      const reg = c.get(HOOKS);
      reg.registerMany(
        hooks.map(
          (h): HookOps => ({ pf: NFPROTO_IPV4, hooknum: h, priority, hook, name: `${name}_ct_helper_set` }),
        ),
      );
    },
  };
}
