import { CtError, type CtModule, HELPERS, type Helper } from '@ctrack/core';
import { FTP_PORT, ftpHelper, ftpParams, MAX_PORTS } from './helper.js';

export interface FtpModuleOptions {
  /** The `ports=` module parameter: up to 8 ports, default [21]. */
  readonly ports?: readonly number[];
  /** The `loose=` module parameter (global, also writable later via `ftpParams.loose`). */
  readonly loose?: boolean;
}

/**
 * nf_conntrack_ftp with module parameters: registers one helper per port through the
 * HELPERS registry ("ftp" for 21, "ftp-<port>" otherwise; IPv4 only, as ctrack tracks
 * IPv4). A taken name or tuple is the registry's EBUSY; more than 8 ports is EINVAL
 * (the kernel refuses such a parameter). Registrations are undone in reverse on failure
 * and at unload (which removes their expectations and detaches them from conns).
 */
export function createFtpModule(opts: FtpModuleOptions = {}): CtModule {
  const ports = opts.ports === undefined || opts.ports.length === 0 ? [FTP_PORT] : [...opts.ports];
  return {
    name: 'nf_conntrack_ftp',
    requires: ['nf_conntrack_expect'],
    description: `FTP helper (${ports.map((p) => (p === FTP_PORT ? 'ftp' : `ftp-${p}`)).join(', ')}): PORT/EPRT/227/229 expectations`,
    init(c) {
      if (ports.length > MAX_PORTS)
        throw new CtError('EINVAL', `nf_conntrack_ftp: at most ${MAX_PORTS} ports`);
      for (const p of ports) {
        if (!Number.isInteger(p) || p < 0 || p > 65535)
          throw new CtError('EINVAL', `nf_conntrack_ftp: bad port ${p}`);
      }
      if (opts.loose !== undefined) ftpParams.loose = opts.loose;
      const reg = c.get(HELPERS);
      // nf_conntrack_helpers_register: all or nothing (the loader unwinds what was recorded).
      const helpers: Helper[] = ports.map((p) => ftpHelper(p));
      for (const h of helpers) reg.register(h);
    },
  };
}

/** nf_conntrack_ftp with the default parameters (ports=21, loose=0). */
export const ftpModule: CtModule = createFtpModule();
