// ISA v4 (kernel 6.6+): signed division, sign extension, byte swaps, long jumps, and atomics.
  r0 = *(s8 *)(r1 +0)
  r2 = *(s16 *)(r1 +2)
  r3 = *(s32 *)(r1 +4)
  r0 s/= r2
  r0 s%= 7
  w4 s/= w3
  r5 = (s8)r0
  r6 = (s32)r3
  w7 = (s16)w2
  r5 = bswap16 r5
  r6 = bswap32 r6
  r7 = bswap64 r7
  r8 = be64 r8
  w1 = le16 w1
  gotol skip
  r0 = 0x7fffffffffffffff ll
skip:
  r2 = atomic_fetch_xor((u64 *)(r10 -8), r2)
  w2 = atomic_fetch_and((u32 *)(r10 -12), w2)
  r2 = xchg_64(r10 - 8, r2)
  r0 = cmpxchg_64(r10 - 8, r0, r2)
  w0 = cmpxchg32_32(r10 - 12, w0, w2)
  lock *(u32 *)(r10 -12) |= w2
  call helper
  exit
helper:
  r0 = -r0
  w0 = -w0
  exit
