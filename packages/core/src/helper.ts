import type { Conn } from './conn.js';
import { NFPROTO_UNSPEC } from './constants.js';
import { CtError } from './errors.js';
import type { Netns } from './netns.js';
import type { RegistrationLog } from './registration-log.js';
import type { Skb } from './skb.js';

export const NF_CT_HELPER_NAME_LEN = 16;
export const NF_CT_MAX_EXPECT_CLASSES = 4;
export const NF_CT_EXPECT_MAX_CNT = 255;
export const NF_CT_HELPER_F_USERSPACE = 1;
export const NF_CT_HELPER_F_CONFIGURED = 2;

/** struct nf_conntrack_expect_policy */
export interface ExpectPolicy {
  readonly maxExpected: number;
  /** Seconds. */
  readonly timeout: number;
  readonly name?: string;
}

/**
 * struct nf_conntrack_helper. `help` runs at the helper hook (priority 300) for every
 * packet of a conn the helper is attached to, except RELATED_REPLY ICMP errors.
 * It returns a verdict (NF_ACCEPT, or NF_DROP to drop the packet).
 */
export interface Helper {
  /** ≤ 15 characters ("ftp", "ftp-2121"). */
  readonly name: string;
  /** Server side of the tuple: family, protocol and (source) port of the reply. */
  readonly l3num: number;
  readonly protonum: number;
  readonly port: number;
  readonly expectPolicy: readonly ExpectPolicy[];
  readonly expectClassMax: number;
  readonly flags?: number;
  help(skb: Skb, protoff: number, ct: Conn, ctinfo: number, net: Netns): number;
  destroy?(ct: Conn): void;
}

/** What the helper registry needs from the kernel when a helper goes away. */
export interface HelperHost {
  /** Destroy its expectations and detach it from every conn (IPCT_HELPER), in every netns. */
  detachHelper(helper: Helper): void;
}

/**
 * nf_conntrack_helper_register (docs/registration.md §5): EBUSY on a duplicate name (same
 * l3num or UNSPEC, same protonum) or, for in-kernel helpers, a duplicate tuple.
 */
export class HelperRegistry {
  private readonly helpers: Helper[] = [];

  constructor(
    private readonly log: RegistrationLog,
    private readonly host: HelperHost,
  ) {}

  register(h: Helper): void {
    if (h.name.length === 0 || h.name.length >= NF_CT_HELPER_NAME_LEN) {
      throw new CtError(
        'EINVAL',
        `helper name "${h.name}" must be 1..${NF_CT_HELPER_NAME_LEN - 1} characters`,
      );
    }
    if (h.expectClassMax >= NF_CT_MAX_EXPECT_CLASSES || h.expectPolicy.length === 0) {
      throw new CtError('EINVAL', `helper ${h.name}: needs 1..${NF_CT_MAX_EXPECT_CLASSES} expect classes`);
    }
    for (const p of h.expectPolicy) {
      if (p.maxExpected > NF_CT_EXPECT_MAX_CNT) {
        throw new CtError(
          'EINVAL',
          `helper ${h.name}: max_expected ${p.maxExpected} > ${NF_CT_EXPECT_MAX_CNT}`,
        );
      }
    }
    const userspace = ((h.flags ?? 0) & NF_CT_HELPER_F_USERSPACE) !== 0;
    for (const cur of this.helpers) {
      const sameName =
        cur.name === h.name &&
        (cur.l3num === h.l3num || cur.l3num === NFPROTO_UNSPEC) &&
        cur.protonum === h.protonum;
      const sameTuple =
        !userspace && cur.l3num === h.l3num && cur.protonum === h.protonum && cur.port === h.port;
      if (sameName || sameTuple) {
        throw new CtError(
          'EBUSY',
          `helper ${h.name}: ${sameName ? 'name' : 'tuple'} already registered by ${cur.name}`,
        );
      }
    }
    this.helpers.push(h);
    this.log.record(
      () => this.isRegistered(h) && this.unregister(h),
      `helper ${h.name} (${h.l3num}, ${h.protonum}, port ${h.port})`,
    );
  }

  unregister(h: Helper): void {
    const i = this.helpers.indexOf(h);
    if (i < 0) throw new CtError('EINVAL', `helper ${h.name} is not registered`);
    this.helpers.splice(i, 1);
    this.host.detachHelper(h);
  }

  isRegistered(h: Helper): boolean {
    return this.helpers.includes(h);
  }

  /** __nf_conntrack_helper_find(name, l3num, protonum) */
  find(name: string, l3num: number, protonum: number): Helper | undefined {
    return this.helpers.find(
      (h) => h.name === name && (h.l3num === l3num || h.l3num === NFPROTO_UNSPEC) && h.protonum === protonum,
    );
  }

  list(): readonly Helper[] {
    return this.helpers;
  }
}
