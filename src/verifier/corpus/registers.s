=== reading an uninitialised register
; type: socket_filter
; expect: reject uninit-reg
r0 = r2
exit

=== writing the frame pointer
; type: socket_filter
; expect: reject fp-readonly
r10 = 0
r0 = 0
exit

=== exit without setting r0
; type: socket_filter
; expect: reject r0-unset
r1 = 0
exit

=== caller-saved registers are clobbered by a call
; type: tracepoint
; expect: reject uninit-reg
r6 = r1
r1 = 7
call bpf_ktime_get_ns
r0 = r1
exit

=== callee-saved registers survive a call
; type: tracepoint
; expect: accept
r6 = 7
call bpf_ktime_get_ns
r0 = r6
exit

=== r0 set on only one path
; type: socket_filter
; expect: reject r0-unset
r2 = *(u32 *)(r1 +0)
if r2 > 5 goto out
r0 = 1
out:
exit
