=== long loop inside the complexity limit
; type: socket_filter
; expect: accept
r1 = 0
l:
r1 += 1
if r1 < 50000 goto l
r0 = 0
exit

=== loop whose exit depends on a shrinking unknown
; type: socket_filter
; expect: accept
r6 = *(u32 *)(r1 +0)
r7 = 0
l:
r6 >>= 1
r7 += 1
if r6 != 0 goto l
r0 = 0
exit

=== loop accumulating an unused sum
; type: socket_filter
; expect: accept
r6 = *(u32 *)(r1 +0)
r1 = 0
r7 = 0
l:
r7 += r6
r1 += 1
if r1 < 1000 goto l
r0 = 0
exit

=== loop accumulating a value no check depends on
; type: socket_filter
; expect: accept
*(u64 *)(r10 -8) = 0
*(u64 *)(r10 -16) = 0
top:
r0 = *(u64 *)(r10 -8)
r0 += 1
*(u64 *)(r10 -8) = r0
if r0 > 60 goto done
r1 = r0
r1 %= 2
if r1 == 0 goto top
r2 = *(u64 *)(r10 -16)
r2 += r0
*(u64 *)(r10 -16) = r2
goto top
done:
r0 = *(u64 *)(r10 -16)
*(u64 *)(r10 -24) = r0
r0 = 0
exit

=== loop accumulating a value later used as an index
; type: socket_filter
; map: a array 4 64 1
; expect: reject out-of-bounds
*(u64 *)(r10 -8) = 0
*(u64 *)(r10 -16) = 0
top:
r0 = *(u64 *)(r10 -8)
r0 += 1
*(u64 *)(r10 -8) = r0
if r0 > 60 goto done
r1 = r0
r1 %= 2
if r1 == 0 goto top
r2 = *(u64 *)(r10 -16)
r2 += r0
*(u64 *)(r10 -16) = r2
goto top
done:
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[a] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u64 *)(r10 -16)
r0 += r1
r0 = *(u8 *)(r0 +0)
out:
r0 = 0
exit
