import {
  type Conn,
  type CtModule,
  HOOKS,
  Kernel,
  type Netns,
  NF_ACCEPT,
  NF_INET_POST_ROUTING,
  NFPROTO_IPV4,
  Skb,
  VirtualClock,
} from '@ctrack/core';
import { tcpPacket } from '@ctrack/core/testing';
import {
  type CtEvent,
  ecacheModule,
  formatEvent,
  formatExpect,
  NFCT_ALL_CT_GROUPS,
  NFCT_ALL_EXP_GROUPS,
  subscribe,
} from '@ctrack/ecache';
import { expectModule, helperAssignModule, nfCtExpectations } from '@ctrack/expect';
import { ipv4Module } from '@ctrack/l3-ipv4';
import { tcpModule } from '@ctrack/l4-tcp';
import { createFtpModule } from '../module.js';

export const T0 = 1_795_250_000_000_000;
/** Client and server (docs/ftp.md §0 setup). */
export const A = '198.19.10.1';
export const B = '198.19.20.1';

/** One direction of a TCP stream: next seq to send. */
interface Side {
  addr: string;
  port: number;
  seq: number;
}

/**
 * A router netns (forward path) with ipv4, tcp, ecache, expectations, the FTP helper
 * (ports given) and `tcp dport P ct helper set` rules; every event is kept as the
 * `conntrack -E` / `-E expect` line.
 */
export class FtpLab {
  readonly kernel = new Kernel();
  readonly clock = new VirtualClock(T0);
  readonly net: Netns;
  readonly skb = new Skb();
  readonly lines: string[] = [];
  readonly events: CtEvent[] = [];

  constructor(opts: { ports?: number[]; loose?: boolean; assign?: boolean } = {}) {
    const ports = opts.ports ?? [21];
    const mods: CtModule[] = [
      ipv4Module,
      tcpModule,
      ecacheModule,
      expectModule,
      createFtpModule({ ports, loose: opts.loose ?? false }),
    ];
    if (opts.assign !== false)
      mods.push(
        helperAssignModule({
          requires: ['nf_conntrack_ftp'],
          rules: ports.map((p) => ({ protonum: 6, dport: p, helper: p === 21 ? 'ftp' : `ftp-${p}` })),
        }),
      );
    const spy: CtModule = {
      name: 'ftp_lab_spy',
      init: (c) => {
        const hook = (skb: Skb) => {
          this.seenCt = skb.ct;
          this.seenInfo = skb.ctinfo;
          return NF_ACCEPT;
        };
        c.get(HOOKS).register({ pf: NFPROTO_IPV4, hooknum: NF_INET_POST_ROUTING, priority: 400, hook });
      },
    };
    mods.push(spy);
    this.kernel.loadAll(mods);
    this.net = this.kernel.createNetns({ clock: this.clock, hashSeed: 1, idSeed: 1 });
    subscribe(this.net, { groups: NFCT_ALL_CT_GROUPS | NFCT_ALL_EXP_GROUPS }, (ev) => {
      this.events.push(ev);
      this.lines.push(formatEvent(ev));
    });
  }

  /** Move the clock by `ms` milliseconds (timers due fire at their deadline). */
  advance(ms: number): void {
    this.clock.advance(ms * 1000);
    this.net.syncClock();
  }

  /** Push one segment through the forward path; returns the verdict and what conntrack attached. */
  segment(from: Side, to: Side, flags: string, payload = '', opts: { ack?: number; seq?: number } = {}) {
    const bytes = tcpPacket(from.addr, to.addr, {
      sport: from.port,
      dport: to.port,
      seq: opts.seq ?? from.seq,
      ack: opts.ack ?? (flags.includes('A') ? to.seq : 0),
      flags,
      win: 65535,
      payload: new TextEncoder().encode(payload),
    });
    this.clock.advance(100);
    this.skb.set(bytes, 0, bytes.length, this.clock.nowUs());
    this.seenCt = null;
    this.seenInfo = -1;
    const verdict = this.net.forward(this.skb);
    if (opts.seq === undefined)
      from.seq = (from.seq + payload.length + (flags.includes('S') || flags.includes('F') ? 1 : 0)) | 0;
    return { verdict, ct: this.seenCt as Conn | null, ctinfo: this.seenInfo };
  }

  /** What the spy hook (POST_ROUTING 400: after the helper, before confirm) saw. */
  seenCt: Conn | null = null;
  seenInfo = -1;

  /** A TCP stream between `c` and `s`, handshake done. */
  connect(cport: number, sport = 21, caddr = A, saddr = B): Stream {
    const c: Side = { addr: caddr, port: cport, seq: 1000 };
    const s: Side = { addr: saddr, port: sport, seq: 5000 };
    const syn = this.segment(c, s, 'S');
    this.segment(s, c, 'SA');
    this.segment(c, s, 'A');
    return new Stream(this, c, s, syn.ct);
  }

  listExpect(): string[] {
    return nfCtExpectations(this.net).map((e) => formatExpect(e));
  }

  expectLines(): string[] {
    return this.lines.filter((l) => / proto=/.test(l));
  }
}

export class Stream {
  constructor(
    readonly lab: FtpLab,
    readonly c: Side,
    readonly s: Side,
    readonly ct: Conn | null,
  ) {}
  /** Client → server payload (PSH|ACK). */
  client(text: string, seq?: number) {
    return this.lab.segment(this.c, this.s, 'PA', text, seq === undefined ? {} : { seq });
  }
  /** Server → client payload. */
  server(text: string, seq?: number) {
    return this.lab.segment(this.s, this.c, 'PA', text, seq === undefined ? {} : { seq });
  }
  /** Both sides exchange one line each, so each direction has a newline position remembered. */
  greet(): void {
    this.server('220 ready\r\n');
    this.client('USER x\r\n');
    this.server('331 ok\r\n');
  }
}
