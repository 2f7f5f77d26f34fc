=== division by constant zero
; type: socket_filter
; expect: reject div-by-zero
r0 = 10
r0 /= 0
exit

=== division by a register that may be zero is allowed
; type: socket_filter
; expect: accept
r1 = *(u32 *)(r1 +0)
r0 = 10
r0 /= r1
exit

=== shift by 64
; type: socket_filter
; expect: reject bad-shift
r0 = 1
r0 <<= 64
exit

=== bitwise and on a pointer
; type: socket_filter
; expect: reject ptr-bitwise
r2 = r10
r2 &= 0xff
r0 = 0
exit

=== multiply a pointer
; type: socket_filter
; expect: reject ptr-op
r2 = r10
r2 *= 2
r0 = 0
exit

=== 32-bit add on a pointer
; type: socket_filter
; expect: reject ptr-alu32
r2 = r10
w2 += 8
r0 = 0
exit

=== subtracting two pointers gives a number (root)
; type: socket_filter
; expect: accept
r2 = r10
r2 += -8
r0 = r10
r0 -= r2
exit

=== subtracting a pointer from a number
; type: socket_filter
; expect: reject scalar-minus-ptr
r0 = 100
r0 -= r10
exit

=== adding an unbounded number to the stack pointer
; type: socket_filter
; expect: reject ptr-unbounded
r2 = *(u64 *)(r1 +48)
r3 = r10
r3 += r2
r0 = 0
exit

=== arithmetic on a map pointer
; type: socket_filter
; map: m hash 4 8 16
; expect: reject ptr-math
r1 = map[m] ll
r1 += 8
r0 = 0
exit

=== 32-bit move zero-extends: a huge constant offset
; type: socket_filter
; map: m array 4 16 1
; expect: reject ptr-offset
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = -1
w1 = w1
r0 += r1
r0 = *(u8 *)(r0 +0)
out:
r0 = 0
exit

=== negative constant makes the index out of bounds
; type: socket_filter
; map: m array 4 16 1
; expect: reject out-of-bounds
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r1 = 4
r1 = -r1
r0 += r1
r0 = *(u8 *)(r0 +0)
out:
r0 = 0
exit

=== ALU with a nonzero reserved source register
; type: socket_filter
; expect: reject reserved-fields
.insn 0x07, 0, 1, 0, 1
r0 = 0
exit
