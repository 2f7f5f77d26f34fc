=== reserve, fill and submit
; type: tracepoint
; map: rb ringbuf 0 0 4096
; expect: accept
r1 = map[rb] ll
r2 = 16
r3 = 0
call bpf_ringbuf_reserve
if r0 == 0 goto out
r1 = 7
*(u64 *)(r0 +8) = r1
r1 = r0
r2 = 0
call bpf_ringbuf_submit
out:
r0 = 0
exit

=== write to a record without a null check
; type: tracepoint
; map: rb ringbuf 0 0 4096
; expect: reject null-deref
r1 = map[rb] ll
r2 = 16
r3 = 0
call bpf_ringbuf_reserve
r1 = 7
*(u64 *)(r0 +0) = r1
r1 = r0
r2 = 0
call bpf_ringbuf_submit
r0 = 0
exit

=== record never submitted
; type: tracepoint
; map: rb ringbuf 0 0 4096
; expect: reject unreleased-ref
r1 = map[rb] ll
r2 = 16
r3 = 0
call bpf_ringbuf_reserve
if r0 == 0 goto out
r1 = 7
*(u64 *)(r0 +0) = r1
out:
r0 = 0
exit

=== record submitted twice
; type: tracepoint
; map: rb ringbuf 0 0 4096
; expect: reject arg-type
r1 = map[rb] ll
r2 = 16
r3 = 0
call bpf_ringbuf_reserve
if r0 == 0 goto out
r6 = r0
r1 = r6
r2 = 0
call bpf_ringbuf_submit
r1 = r6
r2 = 0
call bpf_ringbuf_submit
out:
r0 = 0
exit

=== record written after submit
; type: tracepoint
; map: rb ringbuf 0 0 4096
; expect: reject invalid-mem
r1 = map[rb] ll
r2 = 16
r3 = 0
call bpf_ringbuf_reserve
if r0 == 0 goto out
r6 = r0
r1 = r6
r2 = 0
call bpf_ringbuf_submit
r1 = 1
*(u64 *)(r6 +0) = r1
out:
r0 = 0
exit

=== reserve with a size that is not constant
; type: tracepoint
; map: rb ringbuf 0 0 4096
; expect: reject alloc-size
r2 = *(u64 *)(r1 +16)
r1 = map[rb] ll
r3 = 0
call bpf_ringbuf_reserve
if r0 == 0 goto out
r1 = r0
r2 = 0
call bpf_ringbuf_discard
out:
r0 = 0
exit

=== write past the end of the record
; type: tracepoint
; map: rb ringbuf 0 0 4096
; expect: reject out-of-bounds
r1 = map[rb] ll
r2 = 16
r3 = 0
call bpf_ringbuf_reserve
if r0 == 0 goto out
r1 = 7
*(u64 *)(r0 +12) = r1
r1 = r0
r2 = 0
call bpf_ringbuf_submit
out:
r0 = 0
exit

=== discard a record
; type: tracepoint
; map: rb ringbuf 0 0 4096
; expect: accept
r1 = map[rb] ll
r2 = 8
r3 = 0
call bpf_ringbuf_reserve
if r0 == 0 goto out
r1 = r0
r2 = 0
call bpf_ringbuf_discard
out:
r0 = 0
exit

=== submit a pointer into the middle of the record
; type: tracepoint
; map: rb ringbuf 0 0 4096
; expect: reject release-offset
r1 = map[rb] ll
r2 = 16
r3 = 0
call bpf_ringbuf_reserve
if r0 == 0 goto out
r1 = r0
r1 += 8
r2 = 0
call bpf_ringbuf_submit
out:
r0 = 0
exit

=== ringbuf_output from a stack buffer
; type: tracepoint
; map: rb ringbuf 0 0 4096
; expect: accept
*(u64 *)(r10 -8) = 1
r1 = map[rb] ll
r2 = r10
r2 += -8
r3 = 8
r4 = 0
call bpf_ringbuf_output
r0 = 0
exit
