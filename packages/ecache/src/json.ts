import type {
  ConnEvent,
  ConnSnapshot,
  CounterSnapshot,
  CtEvent,
  ExpectEvent,
  TupleSnapshot,
} from './event.js';
import { deltaTime } from './format-conn.js';
import { l3Name, nfctL4Name, statusNames } from './names.js';

type Json = Record<string, unknown>;

function tupleJson(t: TupleSnapshot, c: CounterSnapshot | null): Json {
  const o: Json = { src: t.src, dst: t.dst };
  const f = t.l4;
  if (f.kind === 'ports') Object.assign(o, { sport: f.sport, dport: f.dport });
  else if (f.kind === 'icmp') Object.assign(o, { type: f.type, code: f.code, id: f.id });
  else if (f.kind === 'gre') Object.assign(o, { srckey: f.srckey, dstkey: f.dstkey });
  else if (f.kind === 'text') o.l4 = f.text.trim();
  if (c !== null) Object.assign(o, { packets: c.packets, bytes: c.bytes });
  return o;
}

/**
 * The fields of a conn line as an object: the same attributes the text line prints
 * (absent ones are left out), with `status` as IPS_* names and times in µs.
 */
export function connJson(s: ConnSnapshot): Json {
  const o: Json = {
    id: s.id,
    l3: l3Name(s.l3num),
    l3num: s.l3num,
    proto: nfctL4Name(s.protonum),
    protonum: s.protonum,
  };
  if (s.timeout !== null) o.timeout = s.timeout;
  if (s.state !== null) o.state = s.state;
  o.orig = tupleJson(s.orig, s.counters?.[0] ?? null);
  o.reply = tupleJson(s.reply, s.counters?.[1] ?? null);
  o.status = statusNames(s.status);
  if (s.mark !== null) o.mark = s.mark;
  if (s.secctx !== null) o.secctx = s.secctx;
  if (s.zone !== 0) o.zone = s.zone;
  const d = deltaTime(s);
  if (d !== null && s.tstamp !== null) {
    o.delta_time = d;
    o.start_us = s.tstamp.startUs;
    if (s.tstamp.stopUs !== 0) o.stop_us = s.tstamp.stopUs;
  }
  if (s.helper !== null) o.helper = s.helper;
  if (s.use !== null) o.use = s.use;
  if (s.master !== null) o.master = tupleJson(s.master, null);
  return o;
}

function connEventJson(ev: ConnEvent): Json {
  const o: Json = { type: ev.type, timestamp_us: ev.timestampUs, events: ev.events, ...connJson(ev.conn) };
  if (ev.portid !== 0) o.portid = ev.portid;
  return o;
}

function expectEventJson(ev: ExpectEvent): Json {
  const s = ev.exp;
  const o: Json = {
    type: ev.type,
    expect: true,
    timestamp_us: ev.timestampUs,
    timeout: s.timeout,
    protonum: s.protonum,
    tuple: tupleJson(s.tuple, null),
    mask: tupleJson(s.mask, null),
    master: tupleJson(s.master, null),
    flags: s.flags,
    class: s.class,
  };
  if (s.zone !== 0) o.zone = s.zone;
  if (s.helper !== null) o.helper = s.helper;
  if (ev.portid !== 0) o.portid = ev.portid;
  return o;
}

/** The event as a plain object (for JSON lines). */
export function eventJson(ev: CtEvent): Json {
  return ev.kind === 'conn' ? connEventJson(ev) : expectEventJson(ev);
}

/** One JSON line (no newline) for an event. */
export function formatEventJson(ev: CtEvent): string {
  return JSON.stringify(eventJson(ev));
}
