=== atomic add on the stack
; type: socket_filter
; expect: accept
*(u64 *)(r10 -8) = 0
r1 = 1
lock *(u64 *)(r10 -8) += r1
r0 = 0
exit

=== atomic add on a map value
; type: socket_filter
; map: m hash 4 8 16
; expect: accept
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = 1
lock *(u64 *)(r0 +0) += r1
out:
r0 = 0
exit

=== atomic add on the context
; type: sched_cls
; expect: reject atomic-target
r2 = 1
lock *(u32 *)(r1 +8) += r2
r0 = 0
exit

=== atomic fetch-add returns the old value
; type: socket_filter
; expect: accept
*(u64 *)(r10 -8) = 0
r1 = 1
r1 = atomic_fetch_add((u64 *)(r10 -8), r1)
r0 = r1
exit

=== compare-and-exchange needs r0
; type: socket_filter
; expect: reject uninit-reg
*(u64 *)(r10 -8) = 0
r1 = 1
r0 = cmpxchg_64(r10 - 8, r0, r1)
r0 = 0
exit

=== atomic add past the end of a map value
; type: socket_filter
; map: m hash 4 8 16
; expect: reject out-of-bounds
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = 1
lock *(u64 *)(r0 +4) += r1
out:
r0 = 0
exit
