import { readFileSync } from 'node:fs';

export interface PcapPacket {
  /** Capture time, µs since the epoch. */
  tsUs: number;
  /** The IPv4 packet (Ethernet header removed). */
  ip: Uint8Array;
}

/** Minimal classic-pcap reader (EN10MB, µs or ns timestamps) for replaying fixtures; IPv4 only. */
export function readPcap(path: string): PcapPacket[] {
  const buf = readFileSync(path);
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = v.getUint32(0, true);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && v.getUint32(0, false) !== 0xa1b2c3d4 && v.getUint32(0, false) !== 0xa1b23c4d) {
    throw new Error(`${path}: not a classic pcap file`);
  }
  const nano = (le ? magic : v.getUint32(0, false)) === 0xa1b23c4d;
  const out: PcapPacket[] = [];
  for (let off = 24; off + 16 <= buf.length; ) {
    const sec = v.getUint32(off, le);
    const frac = v.getUint32(off + 4, le);
    const incl = v.getUint32(off + 8, le);
    const frame = new Uint8Array(buf.buffer, buf.byteOffset + off + 16, incl);
    off += 16 + incl;
    if (frame.length < 34 || frame[12] !== 0x08 || frame[13] !== 0x00) continue;
    const ip = frame.subarray(14);
    const total = (ip[2]! << 8) | ip[3]!;
    out.push({ tsUs: sec * 1_000_000 + (nano ? Math.floor(frac / 1000) : frac), ip: ip.slice(0, total) });
  }
  return out;
}
