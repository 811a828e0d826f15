import { CtError, type CtModule, HELPERS } from '@ctrack/core';
import { TFTP_MAX_PORTS, TFTP_PORT, tftpHelper } from './helper.js';

export interface TftpModuleOptions {
  /** The `ports=` module parameter: up to 8 ports, default [69]. */
  readonly ports?: readonly number[];
}

/**
 * nf_conntrack_tftp with module parameters: one helper per port ("tftp" on 69,
 * "tftp-<index>" otherwise), registered all or nothing through the HELPERS registry.
 * More than 8 ports or a port outside 1..65535 is EINVAL; a taken name is the
 * registry's EBUSY; whatever init registered is unwound if it throws and at unload.
 */
export function createTftpModule(opts: TftpModuleOptions = {}): CtModule {
  const ports = opts.ports === undefined || opts.ports.length === 0 ? [TFTP_PORT] : [...opts.ports];
  return {
    name: 'nf_conntrack_tftp',
    requires: ['nf_conntrack_expect'],
    description: `TFTP helper (${ports.map((p, i) => (p === TFTP_PORT ? 'tftp' : `tftp-${i}`)).join(', ')}): RRQ/WRQ expect the server's answer`,
    init(c) {
      if (ports.length > TFTP_MAX_PORTS)
        throw new CtError('EINVAL', `nf_conntrack_tftp: at most ${TFTP_MAX_PORTS} ports`);
      for (const p of ports) {
        if (!Number.isInteger(p) || p < 1 || p > 65535)
          throw new CtError('EINVAL', `nf_conntrack_tftp: bad port ${p}`);
      }
      const reg = c.get(HELPERS);
      for (const [i, p] of ports.entries()) reg.register(tftpHelper(p, i));
    },
  };
}

/** nf_conntrack_tftp with the default parameters (ports=69). */
export const tftpModule: CtModule = createTftpModule();
/** What `ctrack replay --module @ctrack/helper-tftp` loads. */
export const module: CtModule = tftpModule;
export default tftpModule;
