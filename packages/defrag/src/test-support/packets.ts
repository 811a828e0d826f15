import { type Ipv4Spec, ipv4, udp } from '@ctrack/core/testing';

/** A whole IPv4 datagram and what is needed to cut it into fragments (tests only). */
export interface Datagram {
  bytes: Uint8Array;
  spec: Ipv4Spec;
}

export const CLI = '198.18.0.1';
export const SRV = '198.18.0.2';

/** A UDP datagram CLI:sport → SRV:dport with `n` payload bytes (a byte pattern). */
export function udpDatagram(n: number, id = 0x1234, extra: Partial<Ipv4Spec> = {}, sport = 40030): Datagram {
  const payload = new Uint8Array(n);
  for (let i = 0; i < n; i++) payload[i] = (i * 7 + 3) & 0xff;
  const spec: Ipv4Spec = {
    src: CLI,
    dst: SRV,
    proto: 17,
    id,
    payload: udp({ sport, dport: 5001, payload }, CLI, SRV),
    ...extra,
  };
  return { bytes: ipv4(spec), spec };
}

/**
 * The fragment of `dg` carrying IP payload bytes [offset, offset + len), MF set unless
 * it ends the datagram (or as `mf` says). `ip` overrides header fields (tos, df, ...).
 */
export function frag(dg: Datagram, offset: number, len: number, mf?: boolean, ip: Partial<Ipv4Spec> = {}) {
  const total = dg.spec.payload.length;
  const end = Math.min(offset + len, total);
  return ipv4({
    ...dg.spec,
    payload: dg.spec.payload.subarray(offset, end),
    fragOffset: offset,
    mf: mf ?? end < total,
    ...ip,
  });
}

/** Cut `dg` into fragments of at most `size` IP payload bytes (size a multiple of 8). */
export function fragments(dg: Datagram, size: number, ip: Partial<Ipv4Spec> = {}): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let off = 0; off < dg.spec.payload.length; off += size) out.push(frag(dg, off, size, undefined, ip));
  return out;
}
