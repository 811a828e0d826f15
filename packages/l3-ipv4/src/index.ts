export { ipv4ConntrackOps } from './hooks.js';
export { ipv4L3Proto } from './ipv4.js';
export { ipv4Module } from './module.js';
export { ipv4RcvCheck } from './rcv.js';
