=== helper id that does not exist
; type: tracepoint
; expect: reject unknown-helper
call 100000
r0 = 0
exit

=== skb helper from a tracepoint
; type: tracepoint
; expect: reject helper-not-allowed
r2 = 0
r3 = r10
r3 += -8
r4 = 8
call bpf_skb_load_bytes
r0 = 0
exit

=== probe_read from xdp
; type: xdp
; expect: reject helper-not-allowed
r1 = r10
r1 += -8
r2 = 8
r3 = 0
call bpf_probe_read
r0 = 0
exit

=== GPL-only helper from a non-GPL program
; type: tracepoint
; license: MIT
; expect: reject gpl-only
r1 = r10
r1 += -8
r2 = 8
r3 = 0
call bpf_probe_read_kernel
r0 = 0
exit

=== non-GPL helper from a non-GPL program
; type: tracepoint
; license: MIT
; expect: accept
call bpf_get_current_pid_tgid
exit

=== probe_read_kernel into the stack
; type: kprobe
; expect: accept
r3 = *(u64 *)(r1 +112)
r1 = r10
r1 += -16
r2 = 16
call bpf_probe_read_kernel
r0 = 0
exit

=== probe_read_kernel with a size that may be negative
; type: kprobe
; expect: reject size-negative
r2 = *(u64 *)(r1 +104)
r3 = *(u64 *)(r1 +112)
r1 = r10
r1 += -16
call bpf_probe_read_kernel
r0 = 0
exit

=== probe_read_kernel with an unbounded size
; type: kprobe
; expect: reject size-unbounded
r2 = *(u32 *)(r1 +104)
r3 = *(u64 *)(r1 +112)
r1 = r10
r1 += -16
call bpf_probe_read_kernel
r0 = 0
exit

=== probe_read_kernel with a bounded variable size
; type: kprobe
; expect: accept
r2 = *(u64 *)(r1 +104)
r3 = *(u64 *)(r1 +112)
if r2 > 16 goto out
r1 = r10
r1 += -16
call bpf_probe_read_kernel
out:
r0 = 0
exit

=== probe_read_kernel size larger than the buffer
; type: kprobe
; expect: reject stack-bounds
r3 = *(u64 *)(r1 +112)
r1 = r10
r1 += -16
r2 = 24
call bpf_probe_read_kernel
r0 = 0
exit

=== get_current_comm with size zero
; type: tracepoint
; expect: reject size-zero
r1 = r10
r1 += -16
r2 = 0
call bpf_get_current_comm
r0 = 0
exit

=== get_current_comm fills a stack buffer that is then read
; type: tracepoint
; expect: accept
r1 = r10
r1 += -16
r2 = 16
call bpf_get_current_comm
r0 = *(u64 *)(r10 -16)
exit

=== skb_load_bytes into the stack
; type: sched_cls
; expect: accept
r2 = 0
r3 = r10
r3 += -8
r4 = 8
call bpf_skb_load_bytes
r0 = 0
exit

=== helper context argument that is not the context
; type: sched_cls
; expect: reject arg-type
r1 = r10
r2 = 0
r3 = r10
r3 += -8
r4 = 8
call bpf_skb_load_bytes
r0 = 0
exit

=== tail call through a program array
; type: socket_filter
; map: progs prog_array 4 4 4
; expect: accept
r2 = map[progs] ll
r3 = 0
call bpf_tail_call
r0 = 0
exit

=== tail call with a hash map
; type: socket_filter
; map: m hash 4 4 4
; expect: reject map-type
r2 = map[m] ll
r3 = 0
call bpf_tail_call
r0 = 0
exit

=== trace_printk a stack string
; type: tracepoint
; expect: accept
r1 = 0x0a6968
*(u64 *)(r10 -8) = r1
r1 = r10
r1 += -8
r2 = 8
call bpf_trace_printk
r0 = 0
exit

=== probe_read_str result bounds a later access
; type: kprobe
; map: m array 4 64 1
; expect: reject negative-offset
r6 = r1
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r7 = r0
r3 = *(u64 *)(r6 +112)
r1 = r10
r1 += -32
r2 = 32
call bpf_probe_read_kernel_str
r7 += r0
r0 = *(u8 *)(r7 +0)
out:
r0 = 0
exit

=== empty helper buffer must still point into the stack
; type: tracepoint
; map: rb ringbuf 0 0 4096
; expect: reject stack-bounds
r1 = map[rb] ll
r2 = r10
r2 += 92
r3 = 0
r4 = 0
call bpf_ringbuf_output
r0 = 0
exit

=== empty helper buffer at the frame pointer
; type: tracepoint
; map: rb ringbuf 0 0 4096
; expect: reject stack-bounds
r1 = map[rb] ll
r2 = r10
r3 = 0
r4 = 0
call bpf_ringbuf_output
r0 = 0
exit

=== empty helper buffer inside the stack
; type: tracepoint
; map: rb ringbuf 0 0 4096
; expect: accept
r1 = map[rb] ll
r2 = r10
r2 += -1
r3 = 0
r4 = 0
call bpf_ringbuf_output
r0 = 0
exit

=== empty helper buffer at the end of a map value
; type: tracepoint
; map: rb ringbuf 0 0 4096
; map: a array 4 16 1
; expect: accept
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[a] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r2 = r0
r2 += 16
r1 = map[rb] ll
r3 = 0
r4 = 0
call bpf_ringbuf_output
out:
r0 = 0
exit

=== empty helper buffer past the end of a map value
; type: tracepoint
; map: rb ringbuf 0 0 4096
; map: a array 4 16 1
; expect: reject out-of-bounds
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[a] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r2 = r0
r2 += 17
r1 = map[rb] ll
r3 = 0
r4 = 0
call bpf_ringbuf_output
out:
r0 = 0
exit

=== cgroup classid from a tracepoint takes no arguments
; type: tracepoint
; expect: accept
call bpf_get_cgroup_classid
exit

=== cgroup classid from tc needs the context
; type: sched_cls
; expect: reject arg-type
r1 = r10
call bpf_get_cgroup_classid
exit

=== cgroup classid from tc with the context
; type: sched_cls
; expect: accept
call bpf_get_cgroup_classid
exit
