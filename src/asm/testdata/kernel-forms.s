; Every instruction form the verifier accepts in one XDP program: the kernel log of loading it is
; compared line by line with our disassembly (src/asm/kernel-log.test.ts).
  r6 = r1
  r1 = 5
  *(u64 *)(r10 -8) = r1
  *(u32 *)(r10 -16) = r1
  *(u16 *)(r10 -18) = 7
  *(u8 *)(r10 -19) = 1
  lock *(u64 *)(r10 -8) += r1
  lock *(u32 *)(r10 -16) |= r1
  lock *(u64 *)(r10 -8) &= r1
  lock *(u32 *)(r10 -16) ^= r1
  r2 = 3
  r2 = atomic64_fetch_add((u64 *)(r10 -8), r2)
  r3 = 1
  r3 = atomic_fetch_xor((u32 *)(r10 -16), r3)
  r4 = 2
  r4 = atomic64_xchg((u64 *)(r10 -8), r4)
  r5 = 2
  r5 = atomic_xchg((u32 *)(r10 -16), r5)
  r0 = 1
  r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r2)
  r0 = atomic_cmpxchg((u32 *)(r10 -16), r0, r2)
  r0 = load_acquire((u64 *)(r10 -8))
  store_release((u64 *)(r10 -8), r2)
  r7 = *(s32 *)(r10 -16)
  r8 = *(s16 *)(r10 -18)
  r9 = *(u8 *)(r10 -19)
  r9 = *(s8 *)(r10 -19)
  r7 s/= 3
  r7 s%= r2
  w8 s/= w2
  w8 s%= 5
  r1 = (s8)r7
  r1 = (s16)r8
  r1 = (s32)r9
  w1 = (s8)w7
  w1 = (s16)w7
  r1 = bswap16 r1
  r1 = bswap32 r1
  r1 = bswap64 r1
  r1 = be16 r1
  r1 = le32 r1
  r1 = be64 r1
  r1 = -r1
  w1 = -w1
  r1 = 0x123456789 ll
  r1 += r2
  r1 -= 7
  r1 *= r3
  r1 /= 3
  r1 |= r4
  r1 &= 0xff
  r1 <<= 3
  r1 >>= 2
  r1 %= 9
  r1 ^= r2
  r1 s>>= 1
  w1 += w2
  w1 -= 7
  w1 *= w3
  w1 /= 3
  w1 |= w4
  w1 &= 0xff
  w1 <<= 3
  w1 >>= 2
  w1 %= 9
  w1 ^= w2
  w1 s>>= 1
  w1 = w2
  w1 = 0x7fffffff
  r1 = -1
  if r1 > 0x10 goto +0
  if r2 s< r3 goto +0
  if w2 s>= 0xffffffff goto +0
  if r2 & 0x8 goto +0
  if w2 != w3 goto +0
  if r2 == 0 goto +0
  if r2 s<= -3 goto +0
  gotol +0
  goto +0
  may_goto +0
  call bpf_ktime_get_ns
  call bpf_get_prandom_u32
  call sub
  r0 = 2
  exit
sub:
  r0 = 0
  exit
