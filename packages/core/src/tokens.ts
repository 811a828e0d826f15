import type { ExtensionRegistry } from './extend.js';
import type { HelperRegistry } from './helper.js';
import type { HookRegistry } from './hooks.js';
import type { L3ProtoRegistry } from './l3proto-registry.js';
import type { L4ProtoRegistry } from './l4proto-registry.js';
import { defineToken, type Token } from './token.js';

/** nf_ct_l3proto_register / unregister and lookup (the l3 registry, old model). */
export type L3Protos = Pick<L3ProtoRegistry, 'register' | 'unregister' | 'isRegistered' | 'find'>;
/** nf_ct_l4proto_register / unregister and lookup (the l4 registry, old model). */
export type L4Protos = Pick<L4ProtoRegistry, 'register' | 'unregister' | 'isRegistered' | 'find' | 'list'>;
/** nf_ct_extend_register / unregister. */
export type Extensions = Pick<ExtensionRegistry, 'register' | 'unregister' | 'isRegistered' | 'find'>;
/** nf_conntrack_helper_register / unregister and __nf_conntrack_helper_find. */
export type Helpers = Pick<HelperRegistry, 'register' | 'unregister' | 'isRegistered' | 'find' | 'list'>;
/** nf_register_net_hook(s) / nf_unregister_net_hook. */
export type Hooks = Pick<HookRegistry, 'register' | 'registerMany' | 'unregister' | 'isRegistered'>;

/**
 * The kernel's registries, provided at the root scope of every Kernel. A module finds
 * them from its `init(ctx)` with `ctx.get(L4PROTOS)` and so on; what it registers
 * through them is unwound when it unloads or its init fails.
 */
export const L3PROTOS: Token<L3Protos> = defineToken('ctrack.core.l3protos');
/** The l4 tracker registry (see L3PROTOS). */
export const L4PROTOS: Token<L4Protos> = defineToken('ctrack.core.l4protos');
/** The conntrack extension registry (see L3PROTOS). */
export const EXTENSIONS: Token<Extensions> = defineToken('ctrack.core.extensions');
/** The helper registry (see L3PROTOS). */
export const HELPERS: Token<Helpers> = defineToken('ctrack.core.helpers');
/** The hook registry (see L3PROTOS). */
export const HOOKS: Token<Hooks> = defineToken('ctrack.core.hooks');
