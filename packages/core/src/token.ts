/**
 * Typed service tokens. A token names a service one package provides and others find,
 * at the kernel's root scope or in a netns. Its identity is a `Symbol.for` name, and
 * its slot index comes from a process-wide table keyed by that name, so two copies of
 * a package in one process (each with its own `defineToken` call) meet on the same
 * symbol and the same slot: no `instanceof`, no module-level map.
 */
export interface Token<T> {
  /** The shared name, by convention `ctrack.<package>.<service>` ("ctrack.expect.table"). */
  readonly name: string;
  /** `Symbol.for(name)`: the tsyringe injection token of the service. */
  readonly key: symbol;
  /** Index of the service in a scope's slot array (the same for every copy of the package). */
  readonly slot: number;
  /** Type marker only (never set): ties the token to the service type `T`. */
  readonly __type?: (value: T) => T;
}

/** The process-wide name → slot table, shared by every copy of @ctrack/core. */
const SLOTS_KEY = Symbol.for('ctrack.core.token-slots');

function slotTable(): Map<string, number> {
  const g = globalThis as { [SLOTS_KEY]?: Map<string, number> };
  let t = g[SLOTS_KEY];
  if (t === undefined) {
    t = new Map();
    g[SLOTS_KEY] = t;
  }
  return t;
}

/**
 * Define (or re-define: the same name gives an equal token) the token of a service of
 * type `T`. Describe `T` with an interface, not a class, so every copy of the package
 * that defines the token agrees on the type.
 */
export function defineToken<T>(name: string): Token<T> {
  const slots = slotTable();
  let slot = slots.get(name);
  if (slot === undefined) {
    slot = slots.size;
    slots.set(name, slot);
  }
  return Object.freeze({ name, key: Symbol.for(name), slot });
}
