import type { CtModule, Netns } from '@ctrack/core';
import { ExpectTable } from './table.js';
import { EXPECT_TABLE } from './tokens.js';

/**
 * The expectation table. In Linux it is not a module of its own: nf_conntrack_expect.c
 * is linked into nf_conntrack.ko and set up per netns by nf_conntrack_expect_pernet_init
 * (module init nf_conntrack_expect_init). ctrack keeps the core free of it, so the
 * plugin carries the name of that file and init function: "nf_conntrack_expect".
 * Helper modules require it. Each netns gets a table, provided as EXPECT_TABLE and
 * plugged into the core's expectation lookup point.
 */
export const expectModule: CtModule = {
  name: 'nf_conntrack_expect',
  package: '@ctrack/expect',
  description: 'expectation table (related conns): matching in init_conntrack, timeouts, IPEXP events',
  init() {},
  initNet(net: Netns) {
    const t = new ExpectTable(net);
    net.registerExpectHook(t);
    net.provide(EXPECT_TABLE, t);
  },
  exitNet(net: Netns) {
    const t = net.find(EXPECT_TABLE);
    if (t === undefined) return;
    t.clear();
    net.unregisterExpectHook(t);
  },
};
