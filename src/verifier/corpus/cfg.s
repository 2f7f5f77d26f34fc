=== minimal program returns zero
; type: socket_filter
; expect: accept
r0 = 0
exit

=== jump past the end
; type: socket_filter
; expect: reject jump-out-of-range
r0 = 0
; a raw jump: the assembler refuses to encode it
.insn 0x15, 0, 0, 5, 0
exit

=== backward jump before the start
; type: socket_filter
; expect: reject jump-out-of-range
r0 = 0
.insn 0x05, 0, 0, -3, 0
exit

=== unreachable instruction after exit
; type: socket_filter
; expect: reject unreachable
r0 = 0
exit
r0 = 1
exit

=== last instruction falls off the end
; type: socket_filter
; expect: reject fall-off-end
r0 = 0
exit
l:
r0 = 1
if r0 == 1 goto l

=== jump into the middle of an LD_IMM64
; type: socket_filter
; expect: reject jump-into-ld-imm64
r0 = 0
.insn 0x15, 0, 0, 1, 0
r0 = 0x100000000 ll
exit

=== bounded loop counts to 100
; type: socket_filter
; expect: accept
r1 = 0
l:
r1 += 1
if r1 < 100 goto l
r0 = 0
exit

=== loop that never changes state is infinite
; type: socket_filter
; expect: reject infinite-loop
r0 = 0
l:
r1 = 1
goto l

=== loop on an unknown value that only grows is infinite
; type: tracepoint
; expect: reject infinite-loop
call bpf_ktime_get_ns
l:
r0 |= 1
if r0 != 0 goto l
exit

=== unknown opcode
; type: socket_filter
; expect: reject unknown-opcode
r0 = 0
.insn 0xff, 0, 0, 0, 0
exit

=== branch never taken hides an invalid access
; type: socket_filter
; expect: accept
r1 = 5
if r1 > 10 goto bad
r0 = 0
exit
bad:
r0 = *(u64 *)(r1 +0)
exit
