import { readFileSync } from 'node:fs';

/** One IPv4 packet of a classic little-endian EN10MB pcap (tests only). */
export interface PcapPacket {
  tsUs: number;
  ip: Uint8Array;
}

/** The IPv4 packets of a recorder fixture's capture.pcap (Ethernet, µs timestamps). */
export function readPcapIpv4(path: string): PcapPacket[] {
  const b = readFileSync(path);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint32(0, true) !== 0xa1b2c3d4) throw new Error(`${path}: not a little-endian µs pcap`);
  const out: PcapPacket[] = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const tsUs = v.getUint32(o, true) * 1_000_000 + v.getUint32(o + 4, true);
    const caplen = v.getUint32(o + 8, true);
    const frame = new Uint8Array(b.buffer, b.byteOffset + o + 16, caplen);
    o += 16 + caplen;
    if (caplen >= 34 && frame[12] === 0x08 && frame[13] === 0x00) out.push({ tsUs, ip: frame.slice(14) });
  }
  return out;
}

/** `Ip:` and `IpExt:` counters of a fixture's snmp.txt by name. */
export function readSnmp(path: string): Record<string, number> {
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: Record<string, number> = {};
  for (let i = 0; i + 1 < lines.length; i++) {
    const [p, ...names] = lines[i]!.split(' ');
    const [q, ...values] = lines[i + 1]!.split(' ');
    if ((p === 'Ip:' || p === 'IpExt:') && q === p && !/^\d/.test(names[0] ?? '')) {
      names.forEach((n, k) => {
        out[n] = Number(values[k]);
      });
      i++;
    }
  }
  return out;
}
