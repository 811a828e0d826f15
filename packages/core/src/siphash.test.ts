import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashKey, siphash, siphashHigh, TUPLE_HASH_LEN, tupleHashWords } from './siphash.js';
import { PROPERTY_TIMEOUT_MS } from './testing/limits.js';
import { Tuple } from './tuple.js';

/**
 * The reference SipHash-2-4 test vectors (the SipHash paper's appendix and its reference
 * implementation's vectors.h): key 00 01 .. 0f, message 00 01 .. (len - 1) for len 0..63;
 * each output as its 8 bytes in order (the u64 stored little-endian).
 */
const VECTORS = [
  '310e0edd47db6f72',
  'fd67dc93c539f874',
  '5a4fa9d909806c0d',
  '2d7efbd796666785',
  'b7877127e09427cf',
  '8da699cd64557618',
  'cee3fe586e46c9cb',
  '37d1018bf50002ab',
  '6224939a79f5f593',
  'b0e4a90bdf82009e',
  'f3b9dd94c5bb5d7a',
  'a7ad6b22462fb3f4',
  'fbe50e86bc8f1e75',
  '903d84c02756ea14',
  'eef27a8e90ca23f7',
  'e545be4961ca29a1',
  'db9bc2577fcc2a3f',
  '9447be2cf5e99a69',
  '9cd38d96f0b3c14b',
  'bd6179a71dc96dbb',
  '98eea21af25cd6be',
  'c7673b2eb0cbf2d0',
  '883ea3e395675393',
  'c8ce5ccd8c030ca8',
  '94af49f6c650adb8',
  'eab8858ade92e1bc',
  'f315bb5bb835d817',
  'adcf6b0763612e2f',
  'a5c91da7acaa4dde',
  '716595876650a2a6',
  '28ef495c53a387ad',
  '42c341d8fa92d832',
  'ce7cf2722f512771',
  'e37859f94623f3a7',
  '381205bb1ab0e012',
  'ae97a10fd434e015',
  'b4a31508beff4d31',
  '81396229f0907902',
  '4d0cf49ee5d4dcca',
  '5c73336a76d8bf9a',
  'd0a704536ba93e0e',
  '925958fcd6420cad',
  'a915c29bc8067318',
  '952b79f3bc0aa6d4',
  'f21df2e41d4535f9',
  '87577519048f53a9',
  '10a56cf5dfcd9adb',
  'eb75095ccd986cd0',
  '51a9cb9ecba312e6',
  '96afadfc2ce666c7',
  '72fe52975a4364ee',
  '5a1645b276d592a1',
  'b274cb8ebf87870a',
  '6f9bb4203de7b381',
  'eaecb2a30b22a87f',
  '9924a43cc1315724',
  'bd838d3aafbf8db7',
  '0b1a2a3265d51aea',
  '135079a3231ce660',
  '932b2846e4d70666',
  'e1915f5cb1eca46c',
  'f325965ca16d629f',
  '575ff28e60381be5',
  '724506eb4c328a95',
];

const key = new Int32Array(new Uint8Array(Array.from({ length: 16 }, (_, i) => i)).buffer);

/** The message bytes as zero-padded LE 64-bit words (the layout siphash() takes). */
function words(bytes: Uint8Array): Int32Array {
  const padded = new Uint8Array((Math.floor(bytes.length / 8) + 1) * 8);
  padded.set(bytes);
  return new Int32Array(padded.buffer);
}

const hex64 = (lo: number, hi: number) => {
  const b = new Uint8Array(new Int32Array([lo, hi]).buffer);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
};

/** An independent SipHash-2-4 over BigInt, straight from the paper (checks random inputs). */
function sipBig(msg: Uint8Array, k: Int32Array): bigint {
  const M = (1n << 64n) - 1n;
  const rotl = (x: bigint, b: bigint) => ((x << b) | (x >> (64n - b))) & M;
  const kb = new DataView(k.buffer);
  const k0 = kb.getBigUint64(0, true);
  const k1 = kb.getBigUint64(8, true);
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  const round = () => {
    v0 = (v0 + v1) & M;
    v1 = rotl(v1, 13n);
    v1 ^= v0;
    v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & M;
    v3 = rotl(v3, 16n);
    v3 ^= v2;
    v0 = (v0 + v3) & M;
    v3 = rotl(v3, 21n);
    v3 ^= v0;
    v2 = (v2 + v1) & M;
    v1 = rotl(v1, 17n);
    v1 ^= v2;
    v2 = rotl(v2, 32n);
  };
  const n = msg.length;
  for (let i = 0; i + 8 <= n; i += 8) {
    let m = 0n;
    for (let j = 7; j >= 0; j--) m = (m << 8n) | BigInt(msg[i + j]!);
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  let b = BigInt(n & 0xff) << 56n;
  const off = n - (n % 8);
  for (let j = 0; j < n % 8; j++) b |= BigInt(msg[off + j]!) << BigInt(8 * j);
  v3 ^= b;
  round();
  round();
  v0 ^= b;
  v2 ^= 0xffn;
  round();
  round();
  round();
  round();
  return v0 ^ v1 ^ v2 ^ v3;
}

describe('siphash (SipHash-2-4, 64-bit lanes as int32 halves)', () => {
  it('matches the 64 reference vectors (lengths 0..63: every tail length, 0..7 full words)', () => {
    for (let len = 0; len < 64; len++) {
      const msg = Uint8Array.from({ length: len }, (_, i) => i);
      const lo = siphash(words(msg), len, key);
      expect(hex64(lo, siphashHigh), `len ${len}`).toBe(VECTORS[len]);
    }
  });

  it(
    'equals an independent BigInt SipHash-2-4 on random keys and messages',
    () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 16, maxLength: 16 }),
          fc.uint8Array({ maxLength: 80 }),
          (kb, msg) => {
            const k = new Int32Array(kb.slice().buffer);
            const want = sipBig(msg, k);
            const lo = siphash(words(msg), msg.length, k);
            return (
              BigInt.asUintN(32, BigInt(lo)) === (want & 0xffffffffn) &&
              BigInt.asUintN(32, BigInt(siphashHigh)) === want >> 32n
            );
          },
        ),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it('tupleHashWords lays out the 39 bytes of struct nf_conntrack_tuple (network-order addresses and ports)', () => {
    const t = new Tuple();
    t.src = 0xc6120001 | 0; // 198.18.0.1
    t.dst = 0xc6120002 | 0;
    t.sport = 40000;
    t.dport = 80;
    t.l3num = 2;
    t.protonum = 6;
    const m = new Int32Array(10);
    tupleHashWords(t, m);
    const bytes = new Uint8Array(m.buffer).subarray(0, TUPLE_HASH_LEN);
    const want = new Uint8Array(TUPLE_HASH_LEN);
    want.set([198, 18, 0, 1], 0); // src.u3
    want.set([0x9c, 0x40, 2, 0], 16); // src.u.tcp.port (BE), src.l3num (host order, LE)
    want.set([198, 18, 0, 2], 20); // dst.u3
    want.set([0, 80, 6], 36); // dst.u.tcp.port (BE), dst.protonum
    expect([...bytes]).toEqual([...want]);
    expect(siphash(m, TUPLE_HASH_LEN, key)).toBe(Number(BigInt.asIntN(32, sipBig(want, key))));
  });

  it('hashKey: a seed gives a fixed key, no seed a random one from crypto', () => {
    expect([...hashKey(5)]).toEqual([...hashKey(5)]);
    expect([...hashKey(5)]).not.toEqual([...hashKey(6)]);
    const a = hashKey();
    const b = hashKey();
    expect([...a]).not.toEqual([...b]);
  });
});
