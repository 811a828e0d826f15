import { CtError, type CtModule, HELPERS } from '@ctrack/core';
import { EXAMPLE_MAX_PORTS, EXAMPLE_PORT, exampleHelper } from './helper.js';

export interface ExampleModuleOptions {
  /** The `ports=` module parameter: up to EXAMPLE_MAX_PORTS ports, default [EXAMPLE_PORT]. */
  readonly ports?: readonly number[];
}

/**
 * The module (nf_conntrack_example): registers one helper per port. Needs the
 * expectation table (nf_conntrack_expect). Bad parameters are EINVAL; a taken helper
 * name is the registry's EBUSY; whatever init registered is unwound if it throws.
 */
export function createExampleModule(opts: ExampleModuleOptions = {}): CtModule {
  const ports = opts.ports === undefined || opts.ports.length === 0 ? [EXAMPLE_PORT] : [...opts.ports];
  return {
    name: 'nf_conntrack_example',
    requires: ['nf_conntrack_expect'],
    description: `example helper (${ports.join(', ')}/udp): expects the server's answer to a request`,
    init(c) {
      if (ports.length > EXAMPLE_MAX_PORTS)
        throw new CtError('EINVAL', `nf_conntrack_example: at most ${EXAMPLE_MAX_PORTS} ports`);
      for (const p of ports) {
        if (!Number.isInteger(p) || p < 1 || p > 65535)
          throw new CtError('EINVAL', `nf_conntrack_example: bad port ${p}`);
      }
      const reg = c.get(HELPERS);
      for (const p of ports) reg.register(exampleHelper(p));
    },
  };
}

/** The module with its default parameters; `ctrack replay --module` loads this export. */
export const module: CtModule = createExampleModule();
export default module;
