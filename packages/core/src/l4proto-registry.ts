import { MAX_NF_CT_PROTO, NFPROTO_NUMPROTO } from './constants.js';
import { CtError } from './errors.js';
import { genericL4Proto } from './generic.js';
import { type L4Proto, normalizeL4Proto } from './l4proto.js';
import type { RegistrationLog } from './registration-log.js';

/** What the l4 registry needs from the kernel: per-netns setup and teardown. */
export interface L4ProtoHost {
  /** Register the proto's sysctls and pernet data in every netns (may throw; then nothing stays). */
  attachL4(proto: L4Proto): void;
  /** Remove the proto's sysctls and pernet data, and delete its conns (DESTROY) in every netns. */
  detachL4(proto: L4Proto): void;
}

/**
 * nf_ct_protos[NFPROTO_NUMPROTO][MAX_NF_CT_PROTO] (docs/registration.md §3): per-l3 arrays of
 * 256 slots created lazily and filled with the generic tracker, so an l4 module can load
 * before its l3. A slot not holding the generic tracker is EBUSY.
 */
export class L4ProtoRegistry {
  private readonly arrays: (L4Proto[] | undefined)[] = new Array(NFPROTO_NUMPROTO).fill(undefined);
  /** The registered (normalized) descriptor of each author's descriptor. */
  private readonly registered = new Map<L4Proto, L4Proto>();

  constructor(
    private readonly log: RegistrationLog,
    private readonly host: L4ProtoHost,
  ) {}

  register(proto: L4Proto): void {
    if (!(proto.l3proto >= 0 && proto.l3proto < NFPROTO_NUMPROTO)) {
      throw new CtError(
        'EBUSY',
        `l4proto ${proto.name}: family ${proto.l3proto} is out of range (>= ${NFPROTO_NUMPROTO})`,
      );
    }
    if (!(proto.l4proto >= 0 && proto.l4proto < MAX_NF_CT_PROTO)) {
      throw new CtError('EINVAL', `l4proto ${proto.name}: protocol ${proto.l4proto} is not a u8`);
    }
    if (
      (proto.toNlattr !== undefined && proto.nlattrSize === undefined) ||
      (proto.tupleToNlattr !== undefined && proto.nlattrTupleSize === undefined)
    ) {
      throw new CtError('EINVAL', `l4proto ${proto.name}: netlink callbacks without their size callbacks`);
    }
    let arr = this.arrays[proto.l3proto];
    let fresh = false;
    if (arr === undefined) {
      // "l3 may be loaded later": the array starts all generic.
      arr = new Array<L4Proto>(MAX_NF_CT_PROTO).fill(genericL4Proto);
      this.arrays[proto.l3proto] = arr;
      fresh = true;
    }
    if (!fresh && arr[proto.l4proto] !== genericL4Proto) {
      throw new CtError(
        'EBUSY',
        `l4proto slot (${proto.l3proto}, ${proto.l4proto}) is taken by ${arr[proto.l4proto]!.name}`,
      );
    }
    const fixed = normalizeL4Proto(proto);
    this.host.attachL4(fixed); // sysctl registration failure leaves the slot unchanged
    arr[proto.l4proto] = fixed;
    this.registered.set(proto, fixed);
    this.log.record(
      () => this.isRegistered(proto) && this.unregister(proto),
      `l4proto ${proto.name} (${proto.l3proto}, ${proto.l4proto})`,
    );
  }

  /** Unregister `proto` (the author's descriptor, or the registered one `find` returns). */
  unregister(proto: L4Proto): void {
    const arr = this.arrays[proto.l3proto];
    const fixed = this.registered.get(proto) ?? proto;
    if (arr === undefined || arr[proto.l4proto] !== fixed || fixed === genericL4Proto) {
      throw new CtError('EINVAL', `l4proto ${proto.name} is not registered`);
    }
    arr[proto.l4proto] = genericL4Proto;
    for (const [k, v] of this.registered) if (v === fixed) this.registered.delete(k);
    this.host.detachL4(fixed);
  }

  isRegistered(proto: L4Proto): boolean {
    const fixed = this.registered.get(proto) ?? proto;
    return fixed !== genericL4Proto && this.arrays[proto.l3proto]?.[proto.l4proto] === fixed;
  }

  /** __nf_ct_l4proto_find: the slot, or the generic tracker. */
  find(l3: number, l4: number): L4Proto {
    const arr = l3 >= 0 && l3 < NFPROTO_NUMPROTO ? this.arrays[l3] : undefined;
    return arr === undefined ? genericL4Proto : arr[l4]!;
  }

  /** Every registered non-generic tracker. */
  list(): L4Proto[] {
    const out: L4Proto[] = [];
    for (const arr of this.arrays) if (arr) for (const p of arr) if (p !== genericL4Proto) out.push(p);
    return out;
  }
}
