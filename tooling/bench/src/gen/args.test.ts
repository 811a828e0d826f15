import { describe, expect, it } from 'vitest';
import { parseGenArgs } from './args.js';

describe('gen arguments', () => {
  it('--help asks for the usage, not a workload', () => {
    expect(parseGenArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseGenArgs(['-h'])).toEqual({ kind: 'help' });
    expect(parseGenArgs(['realistic', '--help'])).toEqual({ kind: 'help' });
  });

  it('bad arguments are a one-line reason (the command prints it with the usage, status 2)', () => {
    expect(parseGenArgs(['--bogus'])).toEqual({ kind: 'usage-error', message: "Unknown option '--bogus'" });
    expect(parseGenArgs([])).toEqual({ kind: 'usage-error', message: 'no workload named' });
    expect(parseGenArgs(['nosuch'])).toEqual({ kind: 'usage-error', message: 'unknown workload "nosuch"' });
  });

  it('a workload and its numbers', () => {
    expect(parseGenArgs(['synflood', '--n', '1000', '--seed', '3', '-o', 'x.pcap'])).toEqual({
      kind: 'run',
      name: 'synflood',
      args: { tcp: undefined, udp: undefined, open: undefined, gapUs: undefined, n: 1000, seed: 3 },
      out: 'x.pcap',
    });
  });
});
