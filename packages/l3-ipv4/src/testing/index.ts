/** Test support for tracker authors: an IPv4 netns on a virtual clock with an event recorder. */
export * from './harness.js';
