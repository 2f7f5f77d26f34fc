=== unsigned upper bound from a branch
; type: socket_filter
; map: m array 4 16 1
; expect: accept
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u64 *)(r0 +0)
if r1 >= 16 goto out
r0 += r1
r0 = *(u8 *)(r0 +0)
out:
r0 = 0
exit

=== signed bound alone leaves the index unbounded below
; type: socket_filter
; map: m array 4 16 1
; expect: reject ptr-unbounded
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u64 *)(r0 +0)
if r1 s> 15 goto out
r0 += r1
r0 = *(u8 *)(r0 +0)
out:
r0 = 0
exit

=== signed bounds on both sides
; type: socket_filter
; map: m array 4 16 1
; expect: accept
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u64 *)(r0 +0)
if r1 s> 15 goto out
if r1 s< 0 goto out
r0 += r1
r0 = *(u8 *)(r0 +0)
out:
r0 = 0
exit

=== 32-bit bound on a 32-bit load
; type: socket_filter
; map: m array 4 16 1
; expect: accept
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u32 *)(r0 +0)
if w1 > 15 goto out
r0 += r1
r0 = *(u8 *)(r0 +0)
out:
r0 = 0
exit

=== 32-bit bound does not bound a 64-bit value
; type: socket_filter
; map: m array 4 16 1
; expect: reject ptr-unbounded
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u64 *)(r0 +0)
if w1 > 15 goto out
r0 += r1
r0 = *(u8 *)(r0 +0)
out:
r0 = 0
exit

=== bound learnt on a copy applies to the original
; type: socket_filter
; map: m array 4 16 1
; expect: accept
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u64 *)(r0 +0)
r2 = r1
if r2 > 15 goto out
r0 += r1
r0 = *(u8 *)(r0 +0)
out:
r0 = 0
exit

=== shift keeps the index bounded
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
r1 >>= 2
r0 += r1
r0 = *(u8 *)(r0 +0)
out:
r0 = 0
exit

=== modulo result is not tracked
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

=== equality with a constant makes the index exact
; type: socket_filter
; map: m array 4 16 1
; expect: accept
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u64 *)(r0 +0)
if r1 != 8 goto out
r0 += r1
r0 = *(u64 *)(r0 +0)
out:
r0 = 0
exit

=== jset clears a bit on the fall-through
; type: socket_filter
; map: m array 4 16 1
; expect: accept
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u8 *)(r0 +0)
r1 &= 31
if r1 & 16 goto out
r0 += r1
r0 = *(u8 *)(r0 +0)
out:
r0 = 0
exit
=== bound learnt on a copy plus a constant applies to the original
; type: socket_filter
; map: m array 4 32 1
; expect: accept
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u8 *)(r0 +0)
r2 = r1
r2 += 4
if r2 > 20 goto out
r0 += r1
r0 = *(u64 *)(r0 +8)
out:
r0 = 0
exit

=== bound on the original applies to a copy plus a constant
; type: socket_filter
; map: m array 4 32 1
; expect: accept
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u8 *)(r0 +0)
r2 = r1
r2 += 4
if r1 > 12 goto out
r0 += r2
r0 = *(u64 *)(r0 +8)
out:
r0 = 0
exit
