=== variable-offset stack read of written bytes
; type: socket_filter
; expect: accept
*(u64 *)(r10 -16) = 0
*(u64 *)(r10 -8) = 0
r1 = *(u32 *)(r1 +0)
r1 &= 7
r2 = r10
r2 += -16
r2 += r1
r0 = *(u8 *)(r2 +0)
exit

=== variable-offset stack write then fixed read
; type: socket_filter
; expect: accept
r1 = *(u32 *)(r1 +0)
r1 &= 7
r2 = r10
r2 += -16
r2 += r1
r3 = 1
*(u8 *)(r2 +0) = r3
r0 = *(u64 *)(r10 -16)
exit

=== variable-offset stack write may leave the frame
; type: socket_filter
; expect: reject stack-bounds
r1 = *(u32 *)(r1 +0)
r1 &= 15
r2 = r10
r2 += -8
r2 += r1
r3 = 1
*(u8 *)(r2 +0) = r3
r0 = 0
exit

=== ringbuf record spilled to the stack and reloaded
; type: tracepoint
; map: rb ringbuf 0 0 4096
; expect: accept
r1 = map[rb] ll
r2 = 8
r3 = 0
call bpf_ringbuf_reserve
*(u64 *)(r10 -8) = r0
if r0 == 0 goto out
r1 = *(u64 *)(r10 -8)
r2 = 0
call bpf_ringbuf_submit
out:
r0 = 0
exit

=== null check reaches a spilled copy of the pointer
; type: socket_filter
; map: m hash 4 8 16
; expect: accept
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
*(u64 *)(r10 -16) = r0
if r0 == 0 goto out
r1 = *(u64 *)(r10 -16)
r0 = *(u64 *)(r1 +0)
out:
r0 = 0
exit

=== record released on one path only
; type: tracepoint
; map: rb ringbuf 0 0 4096
; expect: reject unreleased-ref
r6 = *(u64 *)(r1 +16)
r1 = map[rb] ll
r2 = 8
r3 = 0
call bpf_ringbuf_reserve
if r0 == 0 goto out
if r6 == 0 goto out
r1 = r0
r2 = 0
call bpf_ringbuf_discard
out:
r0 = 0
exit

=== comparing two pointers
; type: socket_filter
; expect: accept
r2 = r10
r2 += -8
r0 = 0
if r2 == r10 goto out
r0 = 1
out:
exit

=== 32-bit comparison of a pointer
; type: socket_filter
; expect: accept
r2 = r10
r0 = 0
if w2 == 0 goto out
r0 = 1
out:
exit

=== tc reads metadata before the packet
; type: sched_cls
; expect: accept
r2 = *(u32 *)(r1 +140)
r3 = *(u32 *)(r1 +76)
r4 = r2
r4 += 4
if r4 > r3 goto out
r0 = *(u32 *)(r2 +0)
out:
r0 = 0
exit

=== packet length from data_end minus data
; type: xdp
; expect: accept
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r3 -= r2
r0 = r3
r0 &= 3
exit

=== update with a value inside another map value
; type: socket_filter
; map: m hash 4 8 16
; map: a array 4 16 1
; expect: accept
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[a] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r3 = r0
r3 += 8
r2 = r10
r2 += -4
r4 = 0
r1 = map[m] ll
call bpf_map_update_elem
out:
r0 = 0
exit

=== probe_read_kernel into a map value
; type: kprobe
; map: a array 4 16 1
; expect: accept
r6 = r1
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[a] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r3 = *(u64 *)(r6 +112)
r1 = r0
r2 = 16
call bpf_probe_read_kernel
out:
r0 = 0
exit

=== probe_read_kernel past the end of a map value
; type: kprobe
; map: a array 4 16 1
; expect: reject out-of-bounds
r6 = r1
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[a] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r3 = *(u64 *)(r6 +112)
r1 = r0
r1 += 4
r2 = 16
call bpf_probe_read_kernel
out:
r0 = 0
exit

=== loop summing a map value
; type: socket_filter
; map: a array 4 64 1
; expect: accept
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[a] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r6 = 0
r7 = 0
top:
r1 = r6
r1 <<= 3
r2 = r0
r2 += r1
r3 = *(u64 *)(r2 +0)
r7 += r3
r6 += 1
if r6 < 8 goto top
out:
r0 = 0
exit

=== loop reading one element too many
; type: socket_filter
; map: a array 4 64 1
; expect: reject out-of-bounds
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[a] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r6 = 0
r7 = 0
top:
r1 = r6
r1 <<= 3
r2 = r0
r2 += r1
r3 = *(u64 *)(r2 +0)
r7 += r3
r6 += 1
if r6 <= 8 goto top
out:
r0 = 0
exit

=== stack read at the bottom of the frame
; type: socket_filter
; expect: accept
*(u64 *)(r10 -512) = 0
r0 = *(u64 *)(r10 -512)
exit

=== signed load from the context
; type: socket_filter
; expect: accept
r0 = *(s8 *)(r1 +0)
exit

=== signed load of a packet pointer field
; type: sched_cls
; expect: reject ctx-access
r0 = *(s32 *)(r1 +76)
exit

=== socket pointer from the context needs a null check
; type: sched_cls
; expect: reject null-deref
r1 = *(u64 *)(r1 +168)
r0 = *(u32 *)(r1 +4)
exit

=== 32-bit jump refines the low half only
; type: socket_filter
; map: a array 4 64 1
; expect: accept
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[a] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = *(u32 *)(r0 +0)
if w1 s> 40 goto out
if w1 s< 0 goto out
r0 += r1
r0 = *(u64 *)(r0 +0)
out:
r0 = 0
exit

=== uninitialised stack in a helper buffer is allowed for root
; type: socket_filter
; map: m hash 4 8 16
; expect: accept
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
r0 = 0
exit

=== root may pass a spilled pointer's bytes to a helper
; type: tracepoint
; expect: accept
*(u64 *)(r10 -8) = r1
r1 = r10
r1 += -8
r2 = 8
call bpf_trace_printk
r0 = 0
exit

=== helper buffer that starts inside the frame but runs past it
; type: tracepoint
; expect: reject stack-bounds
r1 = r10
r1 += -4
r2 = 8
call bpf_trace_printk
r0 = 0
exit
