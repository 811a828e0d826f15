import { type CtModule, EXTENSIONS, type ExtensionType, NF_CT_EXT_ECACHE } from '@ctrack/core';
import { EcacheNet } from './ctnetlink.js';
import { ecacheExtAdd } from './ecache-ext.js';

/** The ecache extension (id 4): decides at init_conntrack whether a conn gets it. */
export const ecacheExtension: ExtensionType = {
  id: NF_CT_EXT_ECACHE,
  name: 'ecache',
  attach(ct, net, skb) {
    const n = net.notifier;
    ecacheExtAdd(ct, net, skb, n instanceof EcacheNet ? n.template : null);
  },
};

/**
 * nf_conntrack_ecache (with the ctnetlink event side): registers the ecache extension,
 * and in every netns fills the event notifier slot (EBUSY if something else holds it).
 */
export const ecacheModule: CtModule = {
  name: 'nf_conntrack_ecache',
  description: 'conntrack event cache and delivery (ecache extension, event notifier, listeners)',
  init(c) {
    c.resolve(EXTENSIONS).register(ecacheExtension);
  },
  exit(c) {
    const reg = c.resolve(EXTENSIONS);
    if (reg.isRegistered(ecacheExtension)) reg.unregister(ecacheExtension);
  },
  initNet(net) {
    net.registerNotifier(new EcacheNet(net));
  },
  exitNet(net) {
    const n = net.notifier;
    if (!(n instanceof EcacheNet)) return;
    n.listeners.clear();
    net.unregisterNotifier(n);
  },
};
