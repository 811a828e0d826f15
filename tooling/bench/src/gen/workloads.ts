/**
 * Deterministic, seeded workload generators (issue 7). Same arguments and seed, same
 * bytes. Every packet is a well-formed Ethernet/IPv4 frame with correct checksums.
 *
 *   realistic  TCP sessions (handshake with MSS/SACK/wscale options, 2 request/response
 *              rounds each ACKed, FIN close: 12 packets) and UDP request/response flows
 *              (2 rounds: 4 packets), `open` flows in progress at a time, interleaved at
 *              random; defaults 80k TCP + 20k UDP, 1000 open = 1,040,000 packets.
 *   synflood   one SYN per packet from random sources/ports: every packet NEW.
 *   tablefill  `conns` UDP flows opened (request + reply) and never closed.
 *   fragmix    UDP request/response flows where a share of the responses are large
 *              datagrams sent as IPv4 fragments (needs @ctrack/defrag).
 *   ftpmix     FTP control sessions (PASV and PORT) with their data connections (needs
 *              @ctrack/helper-ftp and @ctrack/expect).
 */
import { ACK, FIN, ip4, PcapOut, PSH, SYN } from './pcap.js';
import { Rng } from './rng.js';

export const T0_US = 1_795_250_780_000_000;
const CLIENT_NET = ip4('198.18.0.0');
const SERVER_NET = ip4('198.19.0.0');

export interface RealisticOptions {
  tcp: number;
  udp: number;
  open: number;
  seed: number;
  /** Microseconds between packets. */
  gapUs: number;
}

export const REALISTIC_DEFAULTS: RealisticOptions = {
  tcp: 80_000,
  udp: 20_000,
  open: 1000,
  seed: 1,
  gapUs: 2,
};

/** Client address and port of flow `i`: unique for up to 65,000 · 30,000 flows. */
function client(i: number): { addr: number; port: number } {
  return { addr: CLIENT_NET + 1 + (i % 65_000), port: 20_000 + Math.floor(i / 65_000) };
}

interface Flow {
  tcp: boolean;
  step: number;
  c: number;
  s: number;
  cp: number;
  sp: number;
  cseq: number;
  sseq: number;
  req: number[];
  resp: number[];
}

export function realistic(o: RealisticOptions): PcapOut {
  const rng = new Rng(o.seed);
  const kinds: boolean[] = [];
  for (let i = 0; i < o.tcp; i++) kinds.push(true);
  for (let i = 0; i < o.udp; i++) kinds.push(false);
  rng.shuffle(kinds);
  const out = new PcapOut(Math.max(1 << 20, (o.tcp * 12 + o.udp * 4) * 420));
  let next = 0;
  const open: Flow[] = [];
  const start = (): Flow => {
    const i = next++;
    const cl = client(i);
    const tcp = kinds[i]!;
    return {
      tcp,
      step: 0,
      c: cl.addr,
      cp: cl.port,
      s: SERVER_NET + 1 + rng.below(64),
      sp: tcp ? (rng.below(4) === 0 ? 80 : 443) : 53,
      cseq: rng.u32(),
      sseq: rng.u32(),
      req: [rng.range(40, 400), rng.range(40, 400)],
      resp: [rng.range(100, 1400), rng.range(100, 1400)],
    };
  };
  while (open.length < o.open && next < kinds.length) open.push(start());
  let t = T0_US;
  while (open.length > 0) {
    const k = rng.below(open.length);
    const f = open[k]!;
    t += o.gapUs;
    const done = f.tcp ? tcpStep(out, t, f) : udpStep(out, t, f);
    if (done) {
      if (next < kinds.length) open[k] = start();
      else {
        open[k] = open[open.length - 1]!;
        open.pop();
      }
    }
  }
  return out;
}

/** Emit the next packet of a TCP session; true after the last (12th). */
function tcpStep(out: PcapOut, t: number, f: Flow): boolean {
  const C = { src: f.c, dst: f.s, sport: f.cp, dport: f.sp };
  const S = { src: f.s, dst: f.c, sport: f.sp, dport: f.cp };
  const cw = 502; // 64256 >> 7
  const sw = 509; // 65152 >> 7
  switch (f.step++) {
    case 0:
      out.tcp(t, { ...C, seq: f.cseq, ack: 0, flags: SYN, win: 64240, payload: 0, wscale: 7 });
      f.cseq = (f.cseq + 1) >>> 0;
      break;
    case 1:
      out.tcp(t, { ...S, seq: f.sseq, ack: f.cseq, flags: SYN | ACK, win: 65160, payload: 0, wscale: 7 });
      f.sseq = (f.sseq + 1) >>> 0;
      break;
    case 2:
      out.tcp(t, { ...C, seq: f.cseq, ack: f.sseq, flags: ACK, win: cw, payload: 0 });
      break;
    case 3:
    case 6: {
      const n = f.req[f.step === 4 ? 0 : 1]!;
      out.tcp(t, { ...C, seq: f.cseq, ack: f.sseq, flags: PSH | ACK, win: cw, payload: n });
      f.cseq = (f.cseq + n) >>> 0;
      break;
    }
    case 4:
    case 7: {
      const n = f.resp[f.step === 5 ? 0 : 1]!;
      out.tcp(t, { ...S, seq: f.sseq, ack: f.cseq, flags: PSH | ACK, win: sw, payload: n });
      f.sseq = (f.sseq + n) >>> 0;
      break;
    }
    case 5:
    case 8:
      out.tcp(t, { ...C, seq: f.cseq, ack: f.sseq, flags: ACK, win: cw, payload: 0 });
      break;
    case 9:
      out.tcp(t, { ...C, seq: f.cseq, ack: f.sseq, flags: FIN | ACK, win: cw, payload: 0 });
      f.cseq = (f.cseq + 1) >>> 0;
      break;
    case 10:
      out.tcp(t, { ...S, seq: f.sseq, ack: f.cseq, flags: FIN | ACK, win: sw, payload: 0 });
      f.sseq = (f.sseq + 1) >>> 0;
      break;
    default:
      out.tcp(t, { ...C, seq: f.cseq, ack: f.sseq, flags: ACK, win: cw, payload: 0 });
      return true;
  }
  return false;
}

/** Emit the next packet of a UDP flow (request, response, request, response). */
function udpStep(out: PcapOut, t: number, f: Flow): boolean {
  const s = f.step++;
  if ((s & 1) === 0) out.udp(t, { src: f.c, dst: f.s, sport: f.cp, dport: f.sp, payload: f.req[s >> 1]! });
  else out.udp(t, { src: f.s, dst: f.c, sport: f.sp, dport: f.cp, payload: f.resp[s >> 1]! });
  return s === 3;
}

/** SYN flood: `n` SYNs from random sources and ports to one server port; every one NEW. */
export function synFlood(n: number, seed: number): PcapOut {
  const rng = new Rng(seed);
  const out = new PcapOut(n * 90);
  const dst = SERVER_NET + 1;
  for (let i = 0; i < n; i++) {
    // Distinct (source, port) per packet: a random /15 host and a port from the index.
    const src = CLIENT_NET + 1 + (i % 131_000);
    out.tcp(T0_US + i, {
      src,
      dst,
      sport: 1024 + Math.floor(i / 131_000) * 7 + rng.below(7),
      dport: 80,
      seq: rng.u32(),
      ack: 0,
      flags: SYN,
      win: 64240,
      payload: 0,
      wscale: 7,
    });
  }
  return out;
}

/** Table fill: `conns` UDP flows (request, reply), none closed: `conns` entries at the end. */
export function tableFill(conns: number, seed: number): PcapOut {
  const rng = new Rng(seed);
  const out = new PcapOut(conns * 2 * 80);
  for (let i = 0; i < conns; i++) {
    const c = client(i);
    const s = SERVER_NET + 1 + rng.below(256);
    const t = T0_US + i * 2;
    out.udp(t, { src: c.addr, dst: s, sport: c.port, dport: 53, payload: 32 });
    out.udp(t + 1, { src: s, dst: c.addr, sport: 53, dport: c.port, payload: 64 });
  }
  return out;
}

/**
 * Fragment-heavy mix: UDP request/response flows; `fragShare` of the responses are
 * 2,000..8,000-byte datagrams sent as 1500-byte-MTU fragments.
 */
export function fragMix(flows: number, seed: number, fragShare = 0.5): PcapOut {
  const rng = new Rng(seed);
  const out = new PcapOut(flows * 4000);
  let t = T0_US;
  for (let i = 0; i < flows; i++) {
    const c = client(i);
    const s = SERVER_NET + 1 + rng.below(64);
    const sp = rng.below(2) === 0 ? 4789 : 2049;
    out.udp((t += 3), { src: c.addr, dst: s, sport: c.port, dport: sp, payload: rng.range(40, 200) });
    if (rng.u32() / 0x100000000 < fragShare) {
      t +=
        3 *
        out.udpFragmented(
          t + 3,
          { src: s, dst: c.addr, sport: sp, dport: c.port, payload: rng.range(2000, 8000) },
          1500,
          3,
        );
    } else {
      out.udp((t += 3), { src: s, dst: c.addr, sport: sp, dport: c.port, payload: rng.range(100, 1400) });
    }
  }
  return out;
}

/**
 * FTP mix: `sessions` FTP control connections (USER/PASS, then a PASV or PORT
 * transfer, QUIT), each with its data connection on the negotiated port.
 */
export function ftpMix(sessions: number, seed: number): PcapOut {
  const rng = new Rng(seed);
  const out = new PcapOut(sessions * 40 * 200);
  let t = T0_US;
  for (let i = 0; i < sessions; i++) {
    const c = client(i);
    const s = SERVER_NET + 1 + rng.below(16);
    let cs = rng.u32();
    let ss = rng.u32();
    const C = { src: c.addr, dst: s, sport: c.port, dport: 21, win: 502 };
    const S = { src: s, dst: c.addr, sport: 21, dport: c.port, win: 509 };
    out.tcp((t += 5), { ...C, seq: cs, ack: 0, flags: SYN, win: 64240, payload: 0, wscale: 7 });
    cs = (cs + 1) >>> 0;
    out.tcp((t += 5), { ...S, seq: ss, ack: cs, flags: SYN | ACK, win: 65160, payload: 0, wscale: 7 });
    ss = (ss + 1) >>> 0;
    out.tcp((t += 5), { ...C, seq: cs, ack: ss, flags: ACK, payload: 0 });
    const say = (fromServer: boolean, text: string) => {
      if (fromServer) {
        out.tcpText((t += 5), { ...S, seq: ss, ack: cs, flags: PSH | ACK }, text);
        ss = (ss + text.length) >>> 0;
        out.tcp((t += 5), { ...C, seq: cs, ack: ss, flags: ACK, payload: 0 });
      } else {
        out.tcpText((t += 5), { ...C, seq: cs, ack: ss, flags: PSH | ACK }, text);
        cs = (cs + text.length) >>> 0;
        out.tcp((t += 5), { ...S, seq: ss, ack: cs, flags: ACK, payload: 0 });
      }
    };
    say(true, '220 ready\r\n');
    say(false, 'USER anonymous\r\n');
    say(true, '331 password\r\n');
    say(false, 'PASS x\r\n');
    say(true, '230 logged in\r\n');
    const pasv = rng.below(2) === 0;
    const dport = 30_000 + rng.below(30_000);
    let dc: number;
    let ds: number;
    let dcp: number;
    let dsp: number;
    if (pasv) {
      say(false, 'PASV\r\n');
      const [a, b, x, y] = [s >>> 24, (s >>> 16) & 255, (s >>> 8) & 255, s & 255];
      say(true, `227 Entering Passive Mode (${a},${b},${x},${y},${dport >> 8},${dport & 255}).\r\n`);
      dc = c.addr;
      dcp = c.port + 1;
      ds = s;
      dsp = dport;
    } else {
      const [a, b, x, y] = [c.addr >>> 24, (c.addr >>> 16) & 255, (c.addr >>> 8) & 255, c.addr & 255];
      say(false, `PORT ${a},${b},${x},${y},${dport >> 8},${dport & 255}\r\n`);
      say(true, '200 PORT ok\r\n');
      dc = s;
      dcp = 20;
      ds = c.addr;
      dsp = dport;
    }
    say(false, 'RETR file\r\n');
    say(true, '150 opening\r\n');
    // The data connection: handshake, 3 segments, FIN close.
    let a = rng.u32();
    let b = rng.u32();
    const D = { src: dc, dst: ds, sport: dcp, dport: dsp, win: 502 };
    const E = { src: ds, dst: dc, sport: dsp, dport: dcp, win: 509 };
    out.tcp((t += 5), { ...D, seq: a, ack: 0, flags: SYN, win: 64240, payload: 0, wscale: 7 });
    a = (a + 1) >>> 0;
    out.tcp((t += 5), { ...E, seq: b, ack: a, flags: SYN | ACK, win: 65160, payload: 0, wscale: 7 });
    b = (b + 1) >>> 0;
    out.tcp((t += 5), { ...D, seq: a, ack: b, flags: ACK, payload: 0 });
    const sender = pasv ? E : D;
    const recv = pasv ? D : E;
    for (let k = 0; k < 3; k++) {
      const n = 1400;
      if (pasv) {
        out.tcp((t += 5), { ...sender, seq: b, ack: a, flags: PSH | ACK, payload: n });
        b = (b + n) >>> 0;
        out.tcp((t += 5), { ...recv, seq: a, ack: b, flags: ACK, payload: 0 });
      } else {
        out.tcp((t += 5), { ...sender, seq: a, ack: b, flags: PSH | ACK, payload: n });
        a = (a + n) >>> 0;
        out.tcp((t += 5), { ...recv, seq: b, ack: a, flags: ACK, payload: 0 });
      }
    }
    out.tcp((t += 5), { ...D, seq: a, ack: b, flags: FIN | ACK, payload: 0 });
    a = (a + 1) >>> 0;
    out.tcp((t += 5), { ...E, seq: b, ack: a, flags: FIN | ACK, payload: 0 });
    b = (b + 1) >>> 0;
    out.tcp((t += 5), { ...D, seq: a, ack: b, flags: ACK, payload: 0 });
    say(true, '226 done\r\n');
    say(false, 'QUIT\r\n');
    say(true, '221 bye\r\n');
    out.tcp((t += 5), { ...C, seq: cs, ack: ss, flags: FIN | ACK, payload: 0 });
    cs = (cs + 1) >>> 0;
    out.tcp((t += 5), { ...S, seq: ss, ack: cs, flags: FIN | ACK, payload: 0 });
    ss = (ss + 1) >>> 0;
    out.tcp((t += 5), { ...C, seq: cs, ack: ss, flags: ACK, payload: 0 });
  }
  return out;
}
