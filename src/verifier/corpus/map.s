=== lookup result used without a null check
; type: socket_filter
; map: m hash 4 8 16
; expect: reject null-deref
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
r0 = *(u64 *)(r0 +0)
exit

=== lookup result checked for null
; type: socket_filter
; map: m hash 4 8 16
; expect: accept
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r0 = *(u64 *)(r0 +0)
out:
r0 = 0
exit

=== null check on a copy covers the original
; type: socket_filter
; map: m hash 4 8 16
; expect: accept
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
r6 = r0
if r6 == 0 goto out
r0 = *(u64 *)(r0 +0)
out:
r0 = 0
exit

=== 32-bit null check does not count
; type: socket_filter
; map: m hash 4 8 16
; expect: reject null-deref
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if w0 == 0 goto out
r0 = *(u64 *)(r0 +0)
out:
r0 = 0
exit

=== load past the end of the value
; type: socket_filter
; map: m hash 4 8 16
; expect: reject out-of-bounds
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r0 = *(u32 *)(r0 +6)
out:
r0 = 0
exit

=== bounded variable index into the value
; type: socket_filter
; map: m array 4 64 1
; expect: accept
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u32 *)(r0 +0)
if r1 > 56 goto out
r0 += r1
r0 = *(u64 *)(r0 +0)
out:
r0 = 0
exit

=== bounded index one byte too far
; type: socket_filter
; map: m array 4 64 1
; expect: reject out-of-bounds
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u32 *)(r0 +0)
if r1 > 57 goto out
r0 += r1
r0 = *(u64 *)(r0 +0)
out:
r0 = 0
exit

=== unbounded index into the value
; type: socket_filter
; map: m array 4 64 1
; expect: reject unbounded-access
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u32 *)(r0 +0)
r0 += r1
r0 = *(u8 *)(r0 +0)
out:
r0 = 0
exit

=== index that may be negative
; type: socket_filter
; map: m array 4 64 1
; expect: reject negative-offset
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u32 *)(r0 +0)
if r1 > 8 goto out
r1 += -4
r0 += r1
r0 = *(u8 *)(r0 +0)
out:
r0 = 0
exit

=== masked index stays inside the value
; type: socket_filter
; map: m array 4 64 1
; expect: accept
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u64 *)(r0 +0)
r1 &= 63
r0 += r1
r0 = *(u8 *)(r0 +0)
out:
r0 = 0
exit

=== key pointer too close to the frame end
; type: socket_filter
; map: m hash 8 8 16
; expect: reject stack-bounds
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
r0 = 0
exit

=== key from an uninitialised register
; type: socket_filter
; map: m hash 4 8 16
; expect: reject uninit-arg
r1 = map[m] ll
call bpf_map_lookup_elem
r0 = 0
exit

=== key must be a pointer, not a number
; type: socket_filter
; map: m hash 4 8 16
; expect: reject arg-type
r2 = 0
r1 = map[m] ll
call bpf_map_lookup_elem
r0 = 0
exit

=== first argument must be a map
; type: socket_filter
; expect: reject arg-type
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = r10
call bpf_map_lookup_elem
r0 = 0
exit

=== update with key and value on the stack
; type: socket_filter
; map: m hash 4 8 16
; expect: accept
*(u32 *)(r10 -4) = 0
*(u64 *)(r10 -16) = 1
r2 = r10
r2 += -4
r3 = r10
r3 += -16
r4 = 0
r1 = map[m] ll
call bpf_map_update_elem
r0 = 0
exit

=== update whose value runs past the frame
; type: socket_filter
; map: m hash 4 16 16
; expect: reject stack-bounds
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r3 = r10
r3 += -8
r4 = 0
r1 = map[m] ll
call bpf_map_update_elem
r0 = 0
exit

=== direct value address of an array map
; type: socket_filter
; map: m array 4 16 1
; expect: accept
r1 = map[m][0]+8
r0 = *(u64 *)(r1 +0)
exit

=== lookup on a ringbuf map is not allowed
; type: socket_filter
; map: rb ringbuf 0 0 4096
; expect: reject map-type
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[rb] ll
call bpf_map_lookup_elem
r0 = 0
exit

=== store into the map value
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
*(u64 *)(r0 +0) = r1
out:
r0 = 0
exit
