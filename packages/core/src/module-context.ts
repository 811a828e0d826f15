import type { DependencyContainer } from 'tsyringe';
import { CtError } from './errors.js';
import type { ModuleContext } from './module.js';
import type { ServiceSlots } from './services.js';
import type { Token } from './token.js';

/** Registry methods that change what is registered: only callable while the context is open. */
const MUTATORS = new Set(['register', 'registerMany', 'unregister']);

/**
 * The context of one module's init/exit. Registries are handed out as views whose
 * register/unregister check that the context is open, so an async init registering
 * after its first `await` gets EINVAL instead of leaving a registration nobody unwinds.
 */
export class LoaderContext implements ModuleContext {
  private open = false;
  private readonly views = new Map<object, object>();

  constructor(
    private readonly moduleName: string,
    private readonly services: ServiceSlots,
    private readonly guarded: ReadonlySet<object>,
    readonly container: DependencyContainer,
  ) {}

  /** Run `fn` with the context open (init, exit). */
  run<R>(fn: () => R): R {
    this.open = true;
    try {
      return fn();
    } finally {
      this.open = false;
    }
  }

  get<T>(token: Token<T>): T {
    this.check(token.name);
    return this.view(this.services.get(token));
  }

  find<T>(token: Token<T>): T | undefined {
    this.check(token.name);
    const v = this.services.find(token);
    return v === undefined ? undefined : this.view(v);
  }

  provide<T>(token: Token<T>, value: T): void {
    this.check(token.name);
    this.services.provide(token, value);
  }

  private check(what: string): void {
    if (!this.open) {
      throw new CtError(
        'EINVAL',
        `module ${this.moduleName}: ${what} used after init returned (init must be synchronous)`,
      );
    }
  }

  private view<T>(v: T): T {
    if (typeof v !== 'object' || v === null || !this.guarded.has(v)) return v;
    let view = this.views.get(v);
    if (view === undefined) {
      view = this.makeView(v);
      this.views.set(v, view);
    }
    return view as T;
  }

  private makeView(target: object): object {
    const view: Record<string, unknown> = {};
    const t = target as Record<string, unknown>;
    for (
      let p = Object.getPrototypeOf(target);
      p !== null && p !== Object.prototype;
      p = Object.getPrototypeOf(p)
    ) {
      for (const name of Object.getOwnPropertyNames(p)) {
        const fn = t[name];
        if (name === 'constructor' || name in view || typeof fn !== 'function') continue;
        view[name] = MUTATORS.has(name)
          ? (...args: unknown[]) => {
              this.check(name);
              return (fn as (...a: unknown[]) => unknown).apply(target, args);
            }
          : (fn as (...a: unknown[]) => unknown).bind(target);
      }
    }
    return view;
  }
}

/** True for a Promise or any thenable (an async init's result). */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    (typeof v === 'object' || typeof v === 'function') &&
    v !== null &&
    typeof (v as { then?: unknown }).then === 'function'
  );
}
