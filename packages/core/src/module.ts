import type { DependencyContainer } from 'tsyringe';
import type { Netns } from './netns.js';

/**
 * A ctrack module, mirroring a kernel module's module_init/module_exit and its
 * pernet_operations. `init` registers into the registries it resolves from the root
 * container; whatever it registered is undone in reverse if it throws.
 */
export interface CtModule {
  /** The kernel's module name, e.g. "nf_conntrack_proto_tcp". */
  readonly name: string;
  /** Modules that must be loaded first (by name). */
  readonly requires?: readonly string[];
  /** One line for `ctrack modules`. */
  readonly description?: string;
  init(container: DependencyContainer): void;
  exit?(container: DependencyContainer): void;
  /** Per-netns setup, for every netns that exists or is created while loaded. */
  initNet?(net: Netns): void;
  exitNet?(net: Netns): void;
}

/** What a loaded module registered, for listings. */
export interface LoadedModule {
  readonly module: CtModule;
  /** Undo steps of what `init` registered, in registration order. */
  readonly undo: Array<() => void>;
  /** Names of what it registered ("l4proto tcp (2,6)", "hook PRE_ROUTING -200 ipv4_conntrack_in"). */
  readonly registered: string[];
}
