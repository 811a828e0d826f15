#!/usr/bin/env node
// Replay speed: generates a capture with the package's PcapWriter (TCP sessions of 10
// packets and UDP request/replies, Ethernet) and times `replay()` on it, output off.
// Run after `npx turbo run build`: node bench/replay-bench.mjs [flows=20000]
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tcpPacket, udpPacket } from '@ctrack/core/testing';
import { encapsulate, PcapWriter, replay } from '../dist/index.js';

const flows = Number(process.argv[2] ?? 20000);
const C = '198.18.0.1';
const S = '198.18.0.2';
const w = new PcapWriter({ linktype: 1 });
let t = 1_795_250_780_000_000;
const add = (ip) => {
  w.add(encapsulate(1, ip), (t += 10));
};
const data = new Uint8Array(100);
for (let i = 0; i < flows; i++) {
  const sp = 1024 + (i % 60000);
  const dp = 8000 + Math.floor(i / 60000);
  add(tcpPacket(C, S, { sport: sp, dport: dp, seq: 1000, flags: 'S', win: 64240, options: { mss: 1460 } }));
  add(
    tcpPacket(S, C, {
      sport: dp,
      dport: sp,
      seq: 5000,
      ack: 1001,
      flags: 'SA',
      win: 65160,
      options: { mss: 1460 },
    }),
  );
  add(tcpPacket(C, S, { sport: sp, dport: dp, seq: 1001, ack: 5001, flags: 'A', win: 64240 }));
  add(
    tcpPacket(C, S, { sport: sp, dport: dp, seq: 1001, ack: 5001, flags: 'PA', win: 64240, payload: data }),
  );
  add(
    tcpPacket(S, C, { sport: dp, dport: sp, seq: 5001, ack: 1101, flags: 'PA', win: 65160, payload: data }),
  );
  add(tcpPacket(C, S, { sport: sp, dport: dp, seq: 1101, ack: 5101, flags: 'A', win: 64240 }));
  add(tcpPacket(C, S, { sport: sp, dport: dp, seq: 1101, ack: 5101, flags: 'FA', win: 64240 }));
  add(tcpPacket(S, C, { sport: dp, dport: sp, seq: 5101, ack: 1102, flags: 'FA', win: 65160 }));
  add(tcpPacket(C, S, { sport: sp, dport: dp, seq: 1102, ack: 5102, flags: 'A', win: 64240 }));
  add(udpPacket(C, S, { sport: sp, dport: 53 + (dp - 8000), payload: data }));
}
const file = join(tmpdir(), `ctrack-bench-${process.pid}.pcap`);
const bytes = w.toBytes();
writeFileSync(file, bytes);

for (const [label, opts] of [
  ['plain', {}],
  ['--events (discarded)', { events: true }],
]) {
  const t0 = process.hrtime.bigint();
  const res = await replay({
    input: file,
    local: [S],
    stdout: () => {},
    stderr: () => {},
    progress: false,
    ...opts,
  });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(
    `${label}: ${res.counters.packets} packets (${(bytes.length / 1e6).toFixed(1)} MB, ${flows * 2} conns) in ${s.toFixed(2)} s = ${Math.round(res.counters.packets / s)} packets/s`,
  );
}
console.log(`node ${process.version} on ${process.platform}/${process.arch}`);
