=== store and load back through the stack
; type: socket_filter
; expect: accept
r1 = 42
*(u64 *)(r10 -8) = r1
r0 = *(u64 *)(r10 -8)
exit

=== write below the frame
; type: socket_filter
; expect: reject stack-bounds
r1 = 1
*(u64 *)(r10 -520) = r1
r0 = 0
exit

=== write at the frame pointer itself
; type: socket_filter
; expect: reject stack-bounds
r1 = 1
*(u32 *)(r10 +0) = r1
r0 = 0
exit

=== misaligned stack store
; type: socket_filter
; expect: reject misaligned-stack
r1 = 1
*(u32 *)(r10 -6) = r1
r0 = 0
exit

=== spilled pointer reloads as a pointer
; type: socket_filter
; map: m hash 4 8 16
; expect: accept
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
*(u64 *)(r10 -16) = r0
r3 = *(u64 *)(r10 -16)
r0 = *(u64 *)(r3 +0)
out:
r0 = 0
exit

=== partial reload of a spilled pointer
; type: socket_filter
; expect: reject partial-fill
*(u64 *)(r10 -8) = r1
r0 = *(u32 *)(r10 -8)
exit

=== partial spill of a pointer
; type: socket_filter
; expect: reject partial-spill
*(u32 *)(r10 -8) = r1
r0 = 0
exit

=== reading stack nobody wrote is allowed for root
; type: socket_filter
; expect: accept
r0 = *(u64 *)(r10 -8)
exit

=== spilled number keeps its bounds
; type: socket_filter
; map: m array 4 16 1
; expect: accept
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = 8
*(u64 *)(r10 -16) = r1
r1 = *(u64 *)(r10 -16)
r0 += r1
r0 = *(u64 *)(r0 +0)
out:
r0 = 0
exit

=== immediate store then reload keeps the constant
; type: socket_filter
; map: m array 4 16 1
; expect: reject out-of-bounds
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
*(u64 *)(r10 -16) = 12
r1 = *(u64 *)(r10 -16)
r0 += r1
r0 = *(u64 *)(r0 +0)
out:
r0 = 0
exit

=== overwriting part of a spilled pointer turns it into data
; type: socket_filter
; expect: reject invalid-mem
*(u64 *)(r10 -8) = r1
*(u8 *)(r10 -8) = 0
r1 = *(u64 *)(r10 -8)
r0 = *(u32 *)(r1 +0)
exit
