/**
 * One measurement per process (the runner, run.ts, spawns this with --expose-gc):
 *
 *   path <pcap> <runs> [full|tracker] [ecache|listener]
 *        packets/s of a capture held in memory (one Uint8Array per packet, a view into
 *        the file buffer; one reused Skb): `full` = net.forward() (PRE_ROUTING conntrack
 *        in, FORWARD, POST_ROUTING helper + confirm, release); `tracker` = nf_conntrack_in
 *        and confirm called directly (no hook lists). Each run on a fresh netns; the
 *        first run is a warm-up and not reported. Also reports new conns/s when every
 *        packet made a conn.
 *   hot <runs> <packets>
 *        one established UDP conn, request and reply alternating (two Uint8Arrays),
 *        through net.forward(); packets/s and young-gen growth per packet.
 *   hot <runs> <packets> nocsum
 *        the same with nf_conntrack_checksum = 0 (no checksum verification).
 *   tcp established|setup <runs> <packets>
 *        established TCP packets/s (data + ACK on one conn) with young-gen growth per
 *        packet, or TCP connection setups/s (three-way handshakes to ESTABLISHED).
 *   memory <generic|udp|tcp> <conns> <runs>
 *        heap bytes per tracked conn: heapUsed after gc() with `conns` conns, minus the
 *        same before the netns existed, divided by conns.
 */
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import {
  type HookState,
  NF_INET_PRE_ROUTING,
  NFPROTO_IPV4,
  nfConntrackConfirm,
  nfConntrackIn,
  Skb,
} from '@ctrack/core';
import { ipv4, tcpPacket, udpPacket } from '@ctrack/core/testing';
import { NFCT_ALL_CT_GROUPS, subscribe } from '@ctrack/ecache';
import { readPcap } from './gen/files.js';
import { parsePcap } from './gen/pcap.js';
import { emit, gc, setupNet } from './lib.js';

const [cmd, ...args] = process.argv.slice(2);

function path(file: string, runs: number, mode: string, ec: string): void {
  const { pkts, ts } = parsePcap(readPcap(file));
  const n = pkts.length;
  const pps: number[] = [];
  const cps: number[] = [];
  let newConns = 0;
  let events = 0;
  for (let r = 0; r <= runs; r++) {
    const { net, clock } = setupNet({ ecache: ec !== 'none', buckets: 262144, max: 0 });
    if (ec === 'listener') subscribe(net, { groups: NFCT_ALL_CT_GROUPS }, () => void events++);
    const skb = new Skb();
    const state: HookState = { hook: NF_INET_PRE_ROUTING, pf: NFPROTO_IPV4, net };
    if (gc) gc();
    const t0 = performance.now();
    if (mode === 'tracker') {
      for (let i = 0; i < n; i++) {
        const p = pkts[i]!;
        const t = ts[i]!;
        clock.set(t);
        skb.set(p, 0, p.length, t);
        net.syncClock();
        if (nfConntrackIn(skb, state) === 1) nfConntrackConfirm(skb, state);
        net.release(skb);
      }
    } else {
      for (let i = 0; i < n; i++) {
        const p = pkts[i]!;
        const t = ts[i]!;
        clock.set(t);
        net.forward(skb.set(p, 0, p.length, t));
      }
    }
    const ms = performance.now() - t0;
    newConns = net.stats.insert + net.count;
    if (net.stats.invalid !== 0) throw new Error(`${net.stats.invalid} invalid packets in ${file}`);
    if (r === 0) continue;
    pps.push((n / ms) * 1000);
    cps.push((net.count / ms) * 1000);
  }
  const tag = `${mode}${ec === 'none' ? '' : `+${ec}`}`;
  emit({
    name: `pps ${tag}`,
    unit: 'packets/s',
    values: pps,
    better: 'higher',
    note: `${n} packets, ${newConns} conns at the end`,
  });
  if (newConns === n) emit({ name: `new conns/s ${tag}`, unit: 'conns/s', values: cps, better: 'higher' });
  if (ec === 'listener' && events === 0) throw new Error('listener heard nothing');
}

function hot(runs: number, packets: number, csum: string): void {
  const { net, clock } = setupNet();
  if (csum === 'nocsum') net.sysctl.set('nf_conntrack_checksum', 0);
  const a = udpPacket('198.18.0.1', '198.19.0.1', { sport: 40000, dport: 53, payload: new Uint8Array(64) });
  const b = udpPacket('198.19.0.1', '198.18.0.1', { sport: 53, dport: 40000, payload: new Uint8Array(64) });
  const skb = new Skb();
  const run = (k: number) => {
    for (let i = 0; i < k; i++) {
      clock.advance(1);
      const p = (i & 1) === 0 ? a : b;
      net.forward(skb.set(p, 0, p.length, 0));
    }
  };
  run(300_000);
  const newSpace = () =>
    v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space')!.space_used_size;
  const growth: number[] = [];
  for (let c = 0; c < 50 && growth.length < 7; c++) {
    const before = newSpace();
    run(10_000);
    const d = newSpace() - before;
    if (d >= 0) growth.push(d / 10_000); // a scavenge in between gives a negative delta: skip
  }
  const pps: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    run(packets);
    pps.push((packets / (performance.now() - t0)) * 1000);
  }
  if (net.count !== 1) throw new Error(`count ${net.count}`);
  const tag = csum === 'nocsum' ? ' (nf_conntrack_checksum=0)' : '';
  emit({ name: `pps one hot UDP conn${tag}`, unit: 'packets/s', values: pps, better: 'higher' });
  emit({ name: `young-gen bytes per hot packet${tag}`, unit: 'B', values: growth, better: 'lower' });
}

/**
 * TCP (issue 4): `established` = one ESTABLISHED conn per run, then `packets` data
 * segments (64 B payload) alternating with the peer's ACK, seq/ack advancing, through
 * net.forward() with checksums verified; packets/s and young-gen growth per packet.
 * `setup` = `packets` / 3 handshakes (SYN, SYN/ACK, ACK) of distinct conns: setups/s
 * to ESTABLISHED. Packets are generated before the timed loop.
 */
function tcp(mode: string, runs: number, packets: number): void {
  const A = '198.18.0.1';
  const B = '198.19.0.1';
  const opts = { mss: 1460, wscale: 7, sackPerm: true };
  const payload = new Uint8Array(64);
  const hs = (sport: number, a = A, isnA = 1000, isnB = 5000): Uint8Array[] => [
    tcpPacket(a, B, { sport, dport: 80, seq: isnA, flags: 'S', win: 64240, options: opts }),
    tcpPacket(B, a, {
      sport: 80,
      dport: sport,
      seq: isnB,
      ack: (isnA + 1) >>> 0,
      flags: 'SA',
      win: 65160,
      options: opts,
    }),
    tcpPacket(a, B, { sport, dport: 80, seq: (isnA + 1) >>> 0, ack: (isnB + 1) >>> 0, flags: 'A', win: 502 }),
  ];
  const pps: number[] = [];
  const growth: number[] = [];
  const newSpace = () =>
    v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space')!.space_used_size;
  for (let r = 0; r <= runs; r++) {
    const { net, clock } = setupNet({ buckets: 262144, max: 0 });
    const skb = new Skb();
    const send = (p: Uint8Array) => {
      clock.advance(1);
      net.forward(skb.set(p, 0, p.length, 0));
    };
    let list: Uint8Array[];
    if (mode === 'setup') {
      list = [];
      for (let i = 0; i < packets / 3; i++)
        list.push(...hs(1024 + (i % 60000), `198.18.${Math.floor(i / 60000)}.1`));
    } else {
      // Sequence numbers near 2^31 (A) and 2^32 (B), so the run crosses both: u32 values
      // ≥ 2^31 are what a real capture carries half the time (random ISNs), and they are
      // where a heap number per packet hides.
      const isnA = 0x7fffff00;
      const isnB = 0xfffff000;
      for (const p of hs(40000, A, isnA, isnB)) send(p);
      list = [];
      let seq = (isnA + 1) >>> 0;
      let bseq = (isnB + 1) >>> 0;
      for (let i = 0; i < packets / 2; i++) {
        list.push(
          tcpPacket(A, B, { sport: 40000, dport: 80, seq, ack: bseq, flags: 'PA', win: 502, payload }),
        );
        seq = (seq + 64) >>> 0;
        if (i % 64 === 0) {
          // now and then B sends data too (its seq crosses 2^32)
          list.push(
            tcpPacket(B, A, { sport: 80, dport: 40000, seq: bseq, ack: seq, flags: 'PA', win: 509, payload }),
          );
          bseq = (bseq + 64) >>> 0;
        } else {
          list.push(tcpPacket(B, A, { sport: 80, dport: 40000, seq: bseq, ack: seq, flags: 'A', win: 509 }));
        }
      }
    }
    if (gc) gc();
    const before = newSpace();
    const t0 = performance.now();
    for (let i = 0; i < list.length; i++) send(list[i]!);
    const ms = performance.now() - t0;
    const d = newSpace() - before;
    if (net.stats.invalid !== 0) throw new Error(`${net.stats.invalid} invalid packets`);
    if (mode === 'setup' && net.count !== list.length / 3) throw new Error(`count ${net.count}`);
    if (r === 0) continue;
    pps.push(((mode === 'setup' ? list.length / 3 : list.length) / ms) * 1000);
    if (mode !== 'setup' && d >= 0) growth.push(d / list.length);
  }
  if (mode === 'setup') {
    emit({
      name: 'TCP setups/s (SYN, SYN/ACK, ACK to ESTABLISHED)',
      unit: 'conns/s',
      values: pps,
      better: 'higher',
    });
  } else {
    emit({ name: 'pps established TCP (data + ACK)', unit: 'packets/s', values: pps, better: 'higher' });
    // Issue 4: no allocation per established packet. A few bytes per packet would be a
    // heap number every few packets; the scratch of a timed run is ~0.04 B per packet.
    // Reported, not thrown: the rest of the suite still runs, and RESULTS.md says missed.
    if (growth.length > 0 && Math.min(...growth) >= 1)
      console.error(
        `MISSED (issue 4): established TCP packets allocate ${growth.map((g) => g.toFixed(2)).join(', ')} B/packet in this process`,
      );
    if (growth.length > 0)
      emit({
        name: 'young-gen bytes per established TCP packet',
        unit: 'B',
        values: growth,
        better: 'lower',
      });
  }
}

function memory(kind: string, conns: number, runs: number): void {
  if (!gc) throw new Error('run with node --expose-gc');
  const res: number[] = [];
  const skb = new Skb();
  for (let r = 0; r < runs; r++) {
    // Packet templates, rewritten in place (addresses/ports; checksums off below).
    const g = ipv4({ src: '198.18.0.0', dst: '198.19.0.1', proto: 253, payload: new Uint8Array(8) });
    const u1 = udpPacket('198.18.0.0', '198.19.0.1', { sport: 1, dport: 53, payload: new Uint8Array(32) });
    const u2 = udpPacket('198.19.0.1', '198.18.0.0', { sport: 53, dport: 1, payload: new Uint8Array(32) });
    const t1 = tcpPacket('198.18.0.0', '198.19.0.1', {
      sport: 1,
      dport: 80,
      seq: 1000,
      flags: 'S',
      win: 64240,
      options: { mss: 1460, wscale: 7, sackPerm: true },
    });
    const t2 = tcpPacket('198.19.0.1', '198.18.0.0', {
      sport: 80,
      dport: 1,
      seq: 5000,
      ack: 1001,
      flags: 'SA',
      win: 65160,
      options: { mss: 1460, wscale: 7, sackPerm: true },
    });
    const t3 = tcpPacket('198.18.0.0', '198.19.0.1', {
      sport: 1,
      dport: 80,
      seq: 1001,
      ack: 5001,
      flags: 'A',
      win: 502,
    });
    gc();
    gc();
    const base = process.memoryUsage().heapUsed;
    const { net, clock } = setupNet({ buckets: conns, max: 0 });
    net.sysctl.set('nf_conntrack_checksum', 0);
    const send = (p: Uint8Array, src: number, dst: number, sport: number, dport: number, hdr: number) => {
      const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
      v.setUint32(12, src);
      v.setUint32(16, dst);
      if (hdr) {
        v.setUint16(20, sport);
        v.setUint16(22, dport);
      }
      clock.advance(1);
      net.forward(skb.set(p, 0, p.length, 0));
    };
    const S = 0xc6130001;
    for (let i = 0; i < conns; i++) {
      const c = 0xc6120000 + (i & 0xffff);
      const port = 1024 + (i >>> 16);
      if (kind === 'generic') send(g, c, S + (i >>> 16), 0, 0, 0);
      else if (kind === 'udp') {
        send(u1, c, S, port, 53, 1);
        send(u2, S, c, 53, port, 1);
      } else {
        send(t1, c, S, port, 80, 1);
        send(t2, S, c, 80, port, 1);
        send(t3, c, S, port, 80, 1);
      }
    }
    if (net.count !== conns || net.stats.invalid !== 0)
      throw new Error(`count ${net.count}, invalid ${net.stats.invalid}`);
    gc();
    gc();
    res.push((process.memoryUsage().heapUsed - base) / conns);
    if (net.conns.length < 0) console.log(net); // keep it alive until measured
  }
  emit({ name: `bytes/conn ${kind} at ${conns}`, unit: 'B', values: res, better: 'lower' });
}

if (cmd === 'path') path(args[0]!, Number(args[1] ?? 3), args[2] ?? 'full', args[3] ?? 'none');
else if (cmd === 'hot') hot(Number(args[0] ?? 5), Number(args[1] ?? 5_000_000), args[2] ?? 'csum');
else if (cmd === 'tcp') tcp(args[0] ?? 'established', Number(args[1] ?? 3), Number(args[2] ?? 1_000_000));
else if (cmd === 'memory') memory(args[0] ?? 'udp', Number(args[1] ?? 100_000), Number(args[2] ?? 3));
else {
  console.error('usage: suite.js path|hot|memory ...');
  process.exit(2);
}
