/** One captured frame's IPv4 packet and its time. */
export interface CapturedPacket {
  tsUs: number;
  ip: Uint8Array;
}

/**
 * Classic pcap (microsecond or nanosecond magic, either byte order), Ethernet or raw
 * IP link types; non-IPv4 frames are skipped. Tests only.
 */
export function readPcap(buf: Uint8Array): CapturedPacket[] {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = v.getUint32(0, true);
  let le: boolean;
  let nano: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) {
    le = true;
    nano = magic === 0xa1b23c4d;
  } else {
    const be = v.getUint32(0, false);
    if (be !== 0xa1b2c3d4 && be !== 0xa1b23c4d) throw new Error('not a classic pcap file');
    le = false;
    nano = be === 0xa1b23c4d;
  }
  const linktype = v.getUint32(20, le) & 0xffff;
  const out: CapturedPacket[] = [];
  for (let off = 24; off + 16 <= buf.length; ) {
    const sec = v.getUint32(off, le);
    const frac = v.getUint32(off + 4, le);
    const incl = v.getUint32(off + 8, le);
    const frame = buf.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    let ip: Uint8Array | null = null;
    if (linktype === 1 && frame.length >= 14 && frame[12] === 0x08 && frame[13] === 0x00)
      ip = frame.subarray(14);
    else if ((linktype === 101 || linktype === 228) && frame.length > 0 && frame[0]! >> 4 === 4) ip = frame;
    if (ip === null) continue;
    out.push({ tsUs: sec * 1_000_000 + (nano ? Math.floor(frac / 1000) : frac), ip: ip.slice() });
  }
  return out;
}
