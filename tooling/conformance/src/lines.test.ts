import { describe, expect, it } from 'vitest';
import { parseEventLine, parseListLine } from './lines.js';

// Lines as conntrack-tools 1.4.7 printed them on Linux 6.18 (fixtures/ipv6-*, mixed-families).
describe('lines: IPv6 conns as conntrack prints them', () => {
  it('parses an icmpv6 event (protocol name with digits, compressed addresses)', () => {
    const e = parseEventLine(
      '[1796398772.315954]\t    [NEW] icmpv6   58 4 src=2001:db8::1 dst=2001:db8::2 type=128 code=0 id=28373 [UNREPLIED] src=2001:db8::2 dst=2001:db8::1 type=129 code=0 id=28373 id=279113137',
      0,
    );
    expect(e).not.toBeNull();
    expect(e!.type).toBe('NEW');
    expect(e!.id).toBe('279113137');
    expect(e!.conn).toMatchObject({ proto: 'icmpv6', protonum: 58, timeout: 4, state: null });
    expect(e!.conn.origKey).toBe('58 src=2001:db8::1 dst=2001:db8::2 type=128 code=0 id=28373');
  });

  it('parses a TCP DESTROY and a listing line with IPv6 tuples', () => {
    const d = parseEventLine(
      '[1796398716.245705]\t[DESTROY] tcp      6 120 CLOSE src=2001:db8::1 dst=2001:db8::2 sport=40105 dport=9 packets=1 bytes=80 [UNREPLIED] src=2001:db8::2 dst=2001:db8::1 sport=9 dport=40105 packets=1 bytes=60 delta-time=0 id=712403762',
      0,
    );
    expect(d!.conn).toMatchObject({ proto: 'tcp', timeout: 120, state: 'CLOSE', deltaTime: 0 });
    expect(d!.conn.origKey).toBe('6 src=2001:db8::1 dst=2001:db8::2 sport=40105 dport=9');
    const l = parseListLine(
      'udp      17 26 src=2001:db8::1 dst=2001:db8::2 sport=40140 dport=5001 packets=2 bytes=128 src=2001:db8::2 dst=2001:db8::1 sport=5001 dport=40140 packets=2 bytes=128 mark=0 delta-time=4 use=1 id=2876146571',
    );
    expect(l.timeout).toBe(26);
    expect(l.key).toBe(
      'udp 17 src=2001:db8::1 dst=2001:db8::2 sport=40140 dport=5001 packets=2 bytes=128 src=2001:db8::2 dst=2001:db8::1 sport=5001 dport=40140 packets=2 bytes=128 mark=0 use=1',
    );
  });

  it('an IPv6 expectation event is not a conn event', () => {
    expect(
      parseEventLine(
        '[1796398930.319538]\t    [NEW] 300 proto=6 src=2001:db8::2 dst=2001:db8::1 sport=0 dport=45110 mask-src=ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff mask-dst=ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff sport=0 dport=65535 master-src=2001:db8::1 master-dst=2001:db8::2 sport=40125 dport=21 class=0 helper=ftp',
        0,
      ),
    ).toBeNull();
  });
});
