import { NFPROTO_NUMPROTO } from './constants.js';
import { CtError } from './errors.js';
import { genericL3Proto, type L3Proto } from './l3proto.js';
import type { RegistrationLog } from './registration-log.js';

/**
 * nf_ct_l3protos[NFPROTO_NUMPROTO] (docs/registration.md §2): every slot starts as the
 * generic l3; register takes a generic slot, unregister restores it and removes that
 * family's conns from every netns.
 */
export class L3ProtoRegistry {
  private readonly slots: L3Proto[] = new Array<L3Proto>(NFPROTO_NUMPROTO).fill(genericL3Proto);

  constructor(
    private readonly log: RegistrationLog,
    private readonly onUnregister: (l3: L3Proto) => void,
  ) {}

  register(proto: L3Proto): void {
    if (!(proto.l3proto >= 0 && proto.l3proto < NFPROTO_NUMPROTO)) {
      throw new CtError(
        'EBUSY',
        `l3proto ${proto.name}: family ${proto.l3proto} is out of range (>= ${NFPROTO_NUMPROTO})`,
      );
    }
    if (proto.tupleToNlattr !== undefined && proto.nlattrTupleSize === undefined) {
      throw new CtError('EINVAL', `l3proto ${proto.name}: tupleToNlattr without nlattrTupleSize`);
    }
    if (this.slots[proto.l3proto] !== genericL3Proto) {
      throw new CtError(
        'EBUSY',
        `l3proto slot ${proto.l3proto} is taken by ${this.slots[proto.l3proto]!.name}`,
      );
    }
    this.slots[proto.l3proto] = proto;
    this.log.record(
      () => this.isRegistered(proto) && this.unregister(proto),
      `l3proto ${proto.name} (${proto.l3proto})`,
    );
  }

  unregister(proto: L3Proto): void {
    if (this.slots[proto.l3proto] !== proto) {
      throw new CtError('EINVAL', `l3proto ${proto.name} is not registered`);
    }
    this.slots[proto.l3proto] = genericL3Proto;
    this.onUnregister(proto);
  }

  isRegistered(proto: L3Proto): boolean {
    return this.slots[proto.l3proto] === proto;
  }

  /** __nf_ct_l3proto_find: never fails (generic for unknown or out-of-range families). */
  find(l3: number): L3Proto {
    return (l3 >= 0 && l3 < NFPROTO_NUMPROTO ? this.slots[l3] : undefined) ?? genericL3Proto;
  }

  /** nf_ct_l3proto_try_module_get: EPROTOTYPE when only the generic proto serves `l3`. */
  require(l3: number): L3Proto {
    const p = this.find(l3);
    if (p === genericL3Proto) throw new CtError('EPROTOTYPE', `no l3proto registered for family ${l3}`);
    return p;
  }
}
