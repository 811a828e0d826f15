import type { DependencyContainer } from 'tsyringe';
import { CtError } from './errors.js';
import type { RegistrationLog } from './registration-log.js';
import type { Token } from './token.js';

/**
 * The services of one scope (the kernel's root, or a netns) in a slot array indexed by
 * `Token.slot`, mirrored into the scope's tsyringe container so `container.resolve(token.key)`
 * (or `@inject(token.key)`) finds them too. `find` is one array read: the packet path
 * may use it. A service is provided only while the loader collects a module's (or an
 * l4 tracker's) registrations, and is withdrawn with them: a late provide (after an
 * `await` in init) is EINVAL instead of a leak.
 */
export class ServiceSlots {
  private readonly values: unknown[] = [];
  private readonly mirrored = new Set<symbol>();

  constructor(
    private readonly container: DependencyContainer,
    private readonly log: RegistrationLog,
    private readonly scope: string,
  ) {}

  find<T>(token: Token<T>): T | undefined {
    return this.values[token.slot] as T | undefined;
  }

  get<T>(token: Token<T>): T {
    const v = this.values[token.slot];
    if (v === undefined) throw new CtError('ENOENT', `${token.name} is not provided in ${this.scope}`);
    return v as T;
  }

  provide<T>(token: Token<T>, value: T): void {
    if (!this.log.collecting) {
      throw new CtError(
        'EINVAL',
        `${token.name}: services are provided from a module's init/initNet (or an l4 tracker's initNet) only`,
      );
    }
    this.put(token, value);
    this.log.record(() => this.withdraw(token, value), `service ${token.name}`);
  }

  /** Provide without a module (the kernel's own services). */
  put<T>(token: Token<T>, value: T): void {
    if (value === undefined || value === null) throw new CtError('EINVAL', `${token.name}: no value`);
    if (this.values[token.slot] !== undefined)
      throw new CtError('EBUSY', `${token.name} is already provided in ${this.scope}`);
    this.values[token.slot] = value;
    if (!this.mirrored.has(token.key)) {
      this.mirrored.add(token.key);
      // A factory reading the slot: a withdrawn service resolves to ENOENT.
      this.container.register(token.key, { useFactory: () => this.get(token) });
    }
  }

  /** Withdraw the service of `token` if it is still `value`. */
  private withdraw<T>(token: Token<T>, value: T): void {
    if (this.values[token.slot] === value) this.values[token.slot] = undefined;
  }
}
