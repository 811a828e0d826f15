import type { Conn } from './conn.js';
import { NF_CT_EXT_NUM } from './constants.js';
import { CtError } from './errors.js';
import type { Netns } from './netns.js';
import type { RegistrationLog } from './registration-log.js';
import type { Skb } from './skb.js';

/**
 * struct nf_ct_ext_type (docs/registration.md §4). `attach` is called for every new conn at
 * init_conntrack step 5 (before it is confirmed) so the extension decides, from the
 * netns sysctls, whether the conn gets it (acct, tstamp, ecache).
 */
export interface ExtensionType {
  readonly id: number;
  readonly name: string;
  attach?(ct: Conn, net: Netns, skb: Skb): void;
  destroy?(ct: Conn): void;
}

/** nf_ct_extend_register / unregister: one type per id, EBUSY on a duplicate. */
export class ExtensionRegistry {
  private readonly types: (ExtensionType | undefined)[] = new Array(NF_CT_EXT_NUM).fill(undefined);
  /** Types with an `attach` step, in id order, for init_conntrack. */
  attachers: ExtensionType[] = [];
  /** Types with a `destroy` step. */
  destroyers: ExtensionType[] = [];

  constructor(private readonly log: RegistrationLog) {}

  register(type: ExtensionType): void {
    if (!(Number.isInteger(type.id) && type.id >= 0 && type.id < NF_CT_EXT_NUM)) {
      throw new CtError(
        'EINVAL',
        `extension ${type.name}: id ${type.id} is out of range (< ${NF_CT_EXT_NUM})`,
      );
    }
    if (this.types[type.id] !== undefined) {
      throw new CtError('EBUSY', `extension id ${type.id} is taken by ${this.types[type.id]!.name}`);
    }
    this.types[type.id] = type;
    this.recompute();
    this.log.record(
      () => this.isRegistered(type) && this.unregister(type),
      `extension ${type.name} (${type.id})`,
    );
  }

  unregister(type: ExtensionType): void {
    if (this.types[type.id] !== type) throw new CtError('EINVAL', `extension ${type.name} is not registered`);
    this.types[type.id] = undefined;
    this.recompute();
  }

  isRegistered(type: ExtensionType): boolean {
    return this.types[type.id] === type;
  }

  find(id: number): ExtensionType | undefined {
    return this.types[id];
  }

  private recompute(): void {
    const present = this.types.filter((t): t is ExtensionType => t !== undefined);
    this.attachers = present.filter((t) => t.attach !== undefined);
    this.destroyers = present.filter((t) => t.destroy !== undefined);
  }
}
