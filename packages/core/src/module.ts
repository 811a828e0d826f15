import type { DependencyContainer } from 'tsyringe';
import type { Netns } from './netns.js';
import type { Token } from './token.js';

/**
 * What a module's `init` and `exit` receive: the kernel's root scope. `get`/`find` a
 * service by token (the registries: L3PROTOS, L4PROTOS, EXTENSIONS, HELPERS, HOOKS;
 * or another package's service), `provide` one under a token your package exports.
 * Everything registered or provided through it during `init` is unwound, in reverse,
 * when init throws or the module unloads. After init returns the context is closed:
 * registering through it then is EINVAL (init is synchronous).
 */
export interface ModuleContext {
  /** The service of `token` at the root scope; ENOENT when nothing provides it. */
  get<T>(token: Token<T>): T;
  /** The service of `token` at the root scope, or undefined. */
  find<T>(token: Token<T>): T | undefined;
  /** Provide a root-scope service (EBUSY if one is provided); withdrawn at unload. */
  provide<T>(token: Token<T>, value: T): void;
  /** The kernel's root tsyringe container (isolated from tsyringe's global one). */
  readonly container: DependencyContainer;
}

/**
 * A ctrack module, mirroring a kernel module's module_init/module_exit and its
 * pernet_operations. Every hook is synchronous: an `init` or `initNet` that returns a
 * Promise is EINVAL and what it registered is unwound.
 */
export interface CtModule {
  /** The kernel's module name, e.g. "nf_conntrack_proto_tcp". */
  readonly name: string;
  /** The npm package that carries this module, e.g. "@ctrack/l4-tcp" (for error messages). */
  readonly package?: string;
  /** Modules that must be loaded first (by name). */
  readonly requires?: readonly string[];
  /**
   * npm packages of required modules, by module name, for the "requires … (npm install
   * …)" error when one is missing; ctrack's own modules are known without it.
   */
  readonly requiresPackages?: Readonly<Record<string, string>>;
  /** One line for `ctrack modules`. */
  readonly description?: string;
  init(ctx: ModuleContext): void;
  exit?(ctx: ModuleContext): void;
  /**
   * Per-netns setup, for every netns that exists or is created while loaded. Provide
   * per-netns services with `net.provide(TOKEN, value)`; they are withdrawn after exitNet.
   */
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
