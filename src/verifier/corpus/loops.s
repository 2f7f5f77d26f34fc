=== long loop inside the complexity limit
; type: socket_filter
; expect: accept
r1 = 0
l:
r1 += 1
if r1 < 50000 goto l
r0 = 0
exit

=== loop whose exit depends on a shrinking unknown
; type: socket_filter
; expect: accept
r6 = *(u32 *)(r1 +0)
r7 = 0
l:
r6 >>= 1
r7 += 1
if r6 != 0 goto l
r0 = 0
exit

=== loop accumulating an unused sum
; type: socket_filter
; expect: accept
r6 = *(u32 *)(r1 +0)
r1 = 0
r7 = 0
l:
r7 += r6
r1 += 1
if r1 < 1000 goto l
r0 = 0
exit
