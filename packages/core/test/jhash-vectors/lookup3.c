/* Own transcription of Bob Jenkins' lookup3.c (May 2006, public domain): hashword, hashlittle. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#define rot(x,k) (((x)<<(k)) | ((x)>>(32-(k))))
#define mix(a,b,c) { \
  a -= c;  a ^= rot(c, 4);  c += b; \
  b -= a;  b ^= rot(a, 6);  a += c; \
  c -= b;  c ^= rot(b, 8);  b += a; \
  a -= c;  a ^= rot(c,16);  c += b; \
  b -= a;  b ^= rot(a,19);  a += c; \
  c -= b;  c ^= rot(b, 4);  b += a; }
#define final(a,b,c) { \
  c ^= b; c -= rot(b,14); \
  a ^= c; a -= rot(c,11); \
  b ^= a; b -= rot(a,25); \
  c ^= b; c -= rot(b,16); \
  a ^= c; a -= rot(c,4);  \
  b ^= a; b -= rot(a,14); \
  c ^= b; c -= rot(b,24); }
uint32_t hashword(const uint32_t *k, size_t length, uint32_t initval) {
  uint32_t a,b,c;
  a = b = c = 0xdeadbeef + (((uint32_t)length)<<2) + initval;
  while (length > 3) { a += k[0]; b += k[1]; c += k[2]; mix(a,b,c); length -= 3; k += 3; }
  switch(length) {
  case 3 : c+=k[2];
  case 2 : b+=k[1];
  case 1 : a+=k[0];
    final(a,b,c);
  case 0: break;
  }
  return c;
}
/* byte-at-a-time hashlittle (endian-independent path of lookup3.c) */
uint32_t hashlittle(const void *key, size_t length, uint32_t initval) {
  uint32_t a,b,c; const uint8_t *k = key;
  a = b = c = 0xdeadbeef + ((uint32_t)length) + initval;
  while (length > 12) {
    a += k[0]; a += ((uint32_t)k[1])<<8; a += ((uint32_t)k[2])<<16; a += ((uint32_t)k[3])<<24;
    b += k[4]; b += ((uint32_t)k[5])<<8; b += ((uint32_t)k[6])<<16; b += ((uint32_t)k[7])<<24;
    c += k[8]; c += ((uint32_t)k[9])<<8; c += ((uint32_t)k[10])<<16; c += ((uint32_t)k[11])<<24;
    mix(a,b,c); length -= 12; k += 12;
  }
  switch(length) {
  case 12: c+=((uint32_t)k[11])<<24;
  case 11: c+=((uint32_t)k[10])<<16;
  case 10: c+=((uint32_t)k[9])<<8;
  case 9 : c+=k[8];
  case 8 : b+=((uint32_t)k[7])<<24;
  case 7 : b+=((uint32_t)k[6])<<16;
  case 6 : b+=((uint32_t)k[5])<<8;
  case 5 : b+=k[4];
  case 4 : a+=((uint32_t)k[3])<<24;
  case 3 : a+=((uint32_t)k[2])<<16;
  case 2 : a+=((uint32_t)k[1])<<8;
  case 1 : a+=k[0]; break;
  case 0 : return c;
  }
  final(a,b,c);
  return c;
}
static uint32_t rng = 0x12345678;
static uint32_t next(void) { rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5; return rng; }
int main(void) {
  /* self-check against the published lookup3.c driver5 values */
  printf("// check hashlittle(Four score,30,0)=%08x (published 17770551)\n", hashlittle("Four score and seven years ago",30,0));
  printf("// check hashlittle(Four score,30,1)=%08x (published cd628161)\n", hashlittle("Four score and seven years ago",30,1));
  printf("// check hashlittle(\"\",0,0)=%08x (deadbeef) (\"\",0,deadbeef)=%08x (bd5b7dde)\n", hashlittle("",0,0), hashlittle("",0,0xdeadbeef));
  /* hashword == hashlittle on little-endian for 4n bytes */
  int bad = 0;
  for (int t = 0; t < 10000; t++) {
    uint32_t w[16]; size_t n = next() % 16; uint32_t iv = next();
    for (size_t i = 0; i < n; i++) w[i] = next();
    uint8_t by[64]; for (size_t i = 0; i < n; i++) { by[4*i]=w[i]; by[4*i+1]=w[i]>>8; by[4*i+2]=w[i]>>16; by[4*i+3]=w[i]>>24; }
    if (hashword(w,n,iv) != hashlittle(by,4*n,iv)) bad++;
  }
  printf("// hashword vs hashlittle mismatches over 10000 random keys: %d\n", bad);
  uint8_t hw[12] = "hello world";
  uint32_t hww[3]; memcpy(hww, hw, 12);
  printf("// hashword(\"hello world\\\\0\" as 3 LE words,3,0)=%08x hashlittle=%08x\n", hashword(hww,3,0), hashlittle(hw,12,0));
  /* vectors: length, initval, words..., hash */
  rng = 0xc0ffee11;
  for (int n = 0; n <= 12; n++) {
    for (int r = 0; r < 2; r++) {
      uint32_t w[12]; uint32_t iv = r == 0 ? 0 : next();
      for (int i = 0; i < n; i++) w[i] = next();
      printf("  [0x%08x, [", iv);
      for (int i = 0; i < n; i++) printf("%s0x%08x", i ? ", " : "", w[i]);
      printf("], 0x%08x],\n", hashword(w, n, iv));
    }
  }
  uint32_t s[3] = {1,2,3};
  printf("// hashword({1},1,0)=%08x ({1,2,3},3,0)=%08x\n", hashword(s,1,0), hashword(s,3,0));
  return 0;
}
