import type { CtModule } from './module.js';

/** The npm package of each of ctrack's own modules (the kernel's module names). */
const CTRACK_PACKAGES: Readonly<Record<string, string>> = {
  nf_conntrack_ipv4: '@ctrack/l3-ipv4',
  nf_conntrack_proto_tcp: '@ctrack/l4-tcp',
  nf_conntrack_proto_udp: '@ctrack/l4-udp',
  nf_conntrack_proto_icmp: '@ctrack/l4-icmp',
  nf_conntrack_expect: '@ctrack/expect',
  nf_conntrack_ecache: '@ctrack/ecache',
  nf_defrag_ipv4: '@ctrack/defrag',
  nf_conntrack_ftp: '@ctrack/helper-ftp',
  nf_conntrack_tftp: '@ctrack/helper-tftp',
};

/**
 * "nf_conntrack_expect (npm install @ctrack/expect)": the missing module `req` of `mod`
 * with the package that carries it, from the module's own `requiresPackages` or
 * ctrack's list; an unknown package is said so.
 */
export function missingModuleHint(mod: CtModule, req: string): string {
  const pkg = mod.requiresPackages?.[req] ?? CTRACK_PACKAGES[req];
  return pkg === undefined
    ? `${req}, which no loaded package provides (add the package that exports it)`
    : `${req} (npm install ${pkg})`;
}
