=== division results are not tracked, even by a constant
; type: socket_filter
; map: m array 4 64 1
; expect: reject ptr-unbounded
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u8 *)(r0 +0)
r1 /= 4
r0 += r1
r0 = *(u8 *)(r0 +0)
out:
r0 = 0
exit

=== modulo by a constant is not tracked
; type: socket_filter
; map: m array 4 64 1
; expect: reject ptr-unbounded
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u32 *)(r0 +0)
r1 %= 16
r0 += r1
r0 = *(u8 *)(r0 +0)
out:
r0 = 0
exit

=== division of two constants is not folded
; type: socket_filter
; map: m array 4 64 1
; expect: reject ptr-unbounded
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = 460
r2 = 10
r1 /= r2
r0 += r1
r0 = *(u8 *)(r0 +0)
out:
r0 = 0
exit

=== division by a bounded register is not tracked
; type: socket_filter
; map: m array 4 64 1
; expect: reject ptr-unbounded
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u8 *)(r0 +0)
r2 = *(u8 *)(r0 +1)
r2 |= 4
r1 /= r2
r0 += r1
r0 = *(u8 *)(r0 +0)
out:
r0 = 0
exit

=== signed division of constants is not folded
; type: socket_filter
; map: m array 4 64 1
; expect: reject ptr-unbounded
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = 460
r1 s/= 10
r0 += r1
r0 = *(u8 *)(r0 +0)
out:
r0 = 0
exit

=== negation keeps bounds
; type: socket_filter
; map: m array 4 64 1
; expect: accept
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u8 *)(r0 +0)
r1 &= 15
r1 = -r1
r1 += 32
r0 += r1
r0 = *(u8 *)(r0 +0)
out:
r0 = 0
exit

=== byte swap keeps known bits
; type: socket_filter
; map: m array 4 64 1
; expect: accept
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u8 *)(r0 +0)
r1 &= 0x0f00
r1 = be16 r1
r0 += r1
r0 = *(u8 *)(r0 +0)
out:
r0 = 0
exit

=== sign extension of a small value keeps its bounds
; type: socket_filter
; map: m array 4 64 1
; expect: accept
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u8 *)(r0 +0)
r1 &= 63
r1 = (s8)r1
r0 += r1
r0 = *(u8 *)(r0 +0)
out:
r0 = 0
exit

=== sign extension of a byte may be negative
; type: socket_filter
; map: m array 4 64 1
; expect: reject negative-offset
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u8 *)(r0 +0)
r1 = (s8)r1
r0 += r1
r0 = *(u8 *)(r0 +0)
out:
r0 = 0
exit
