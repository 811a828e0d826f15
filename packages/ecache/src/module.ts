import { type CtModule, EXTENSIONS, type ExtensionType, NF_CT_EXT_ECACHE } from '@ctrack/core';
import { EcacheNet } from './ctnetlink.js';
import { ecacheExtAdd } from './ecache-ext.js';
import { ECACHE_NET } from './tokens.js';

/** The ecache extension (id 4): decides at init_conntrack whether a conn gets it. */
export const ecacheExtension: ExtensionType = {
  id: NF_CT_EXT_ECACHE,
  name: 'ecache',
  attach(ct, net, skb) {
    const n = net.find(ECACHE_NET);
    ecacheExtAdd(ct, net, skb, n === undefined ? null : n.template);
  },
};

/**
 * nf_conntrack_ecache (with the ctnetlink event side): registers the ecache extension,
 * and in every netns fills the event notifier slot (EBUSY if something else holds it)
 * and provides the netns' event cache as ECACHE_NET.
 */
export const ecacheModule: CtModule = {
  name: 'nf_conntrack_ecache',
  package: '@ctrack/ecache',
  description: 'conntrack event cache and delivery (ecache extension, event notifier, listeners)',
  init(c) {
    c.get(EXTENSIONS).register(ecacheExtension);
  },
  initNet(net) {
    const n = new EcacheNet(net);
    net.registerNotifier(n);
    net.provide(ECACHE_NET, n);
  },
  exitNet(net) {
    const n = net.find(ECACHE_NET);
    if (n === undefined) return;
    n.removeAll();
    net.unregisterNotifier(n);
  },
};
