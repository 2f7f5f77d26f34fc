=== socket filter reads skb->len
; type: socket_filter
; expect: accept
r0 = *(u32 *)(r1 +0)
exit

=== socket filter narrow read of skb->protocol
; type: socket_filter
; expect: accept
r0 = *(u16 *)(r1 +16)
exit

=== socket filter writes skb->mark
; type: socket_filter
; expect: reject ctx-access
r2 = 1
*(u32 *)(r1 +8) = r2
r0 = 0
exit

=== socket filter writes skb->cb[0]
; type: socket_filter
; expect: accept
r2 = 1
*(u32 *)(r1 +48) = r2
r0 = 0
exit

=== socket filter cannot see packet data pointers
; type: socket_filter
; expect: reject ctx-access
r0 = *(u32 *)(r1 +76)
exit

=== tc writes skb->mark
; type: sched_cls
; expect: accept
r2 = 1
*(u32 *)(r1 +8) = r2
r0 = 0
exit

=== tc writes skb->len
; type: sched_cls
; expect: reject ctx-access
r2 = 1
*(u32 *)(r1 +0) = r2
r0 = 0
exit

=== immediate store into a writable context field
; type: sched_cls
; expect: accept
*(u32 *)(r1 +8) = 1
r0 = 0
exit

=== immediate store into a read-only context field
; type: sched_cls
; expect: reject ctx-access
*(u32 *)(r1 +0) = 1
r0 = 0
exit

=== 8-byte read of a 4-byte skb field
; type: sched_cls
; expect: reject ctx-access
r0 = *(u64 *)(r1 +0)
exit

=== read past the end of __sk_buff
; type: sched_cls
; expect: reject ctx-access
r0 = *(u32 *)(r1 +192)
exit

=== xdp reads ingress_ifindex
; type: xdp
; expect: accept
r0 = *(u32 *)(r1 +12)
exit

=== xdp writes its context
; type: xdp
; expect: reject ctx-access
r2 = 0
*(u32 *)(r1 +12) = r2
r0 = 0
exit

=== xdp narrow read of data
; type: xdp
; expect: reject ctx-access
r0 = *(u16 *)(r1 +0)
exit

=== tracepoint reads a field after the common header
; type: tracepoint
; expect: accept
r0 = *(u64 *)(r1 +16)
exit

=== tracepoint reads the common header
; type: tracepoint
; expect: reject ctx-access
r0 = *(u32 *)(r1 +0)
exit

=== tracepoint misaligned read
; type: tracepoint
; expect: reject ctx-access
r0 = *(u32 *)(r1 +10)
exit

=== tracepoint writes its record
; type: tracepoint
; expect: reject ctx-access
r2 = 0
*(u64 *)(r1 +8) = r2
r0 = 0
exit

=== raw tracepoint reads args[11]
; type: raw_tracepoint
; expect: accept
r0 = *(u64 *)(r1 +88)
exit

=== raw tracepoint reads args[12]
; type: raw_tracepoint
; expect: reject ctx-access
r0 = *(u64 *)(r1 +96)
exit

=== perf event reads sample_period narrowly
; type: perf_event
; expect: accept
r0 = *(u32 *)(r1 +168)
exit

=== perf event narrow read of a register
; type: perf_event
; expect: reject ctx-access
r0 = *(u32 *)(r1 +0)
exit

=== kprobe reads the last pt_regs field
; type: kprobe
; expect: accept
r0 = *(u64 *)(r1 +160)
exit

=== kprobe reads past pt_regs
; type: kprobe
; expect: reject ctx-access
r0 = *(u64 *)(r1 +168)
exit

=== context pointer moved before the load
; type: socket_filter
; expect: reject modified-ctx
r1 += 4
r0 = *(u32 *)(r1 +0)
exit

=== cgroup skb reads the local port
; type: cgroup_skb
; expect: accept
r0 = *(u32 *)(r1 +136)
r0 = 1
exit
=== socket fields after a null check of skb->sk
; type: sched_cls
; expect: accept
r1 = *(u64 *)(r1 +168)
if r1 == 0 goto out
r0 = *(u32 *)(r1 +4)
r0 = *(u16 *)(r1 +48)
r0 = *(u8 *)(r1 +25)
out:
r0 = 0
exit

=== socket protocol is not readable through skb->sk
; type: sched_cls
; expect: reject sock-access
r1 = *(u64 *)(r1 +168)
if r1 == 0 goto out
r0 = *(u32 *)(r1 +12)
out:
r0 = 0
exit

=== socket fields cannot be written
; type: sched_cls
; expect: reject sock-readonly
r1 = *(u64 *)(r1 +168)
if r1 == 0 goto out
r2 = 0
*(u32 *)(r1 +4) = r2
out:
r0 = 0
exit
