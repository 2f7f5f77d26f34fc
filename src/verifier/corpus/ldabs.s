=== legacy packet load in a socket filter
; type: socket_filter
; expect: accept
r6 = r1
r0 = *(u8 *)skb[23]
exit

=== legacy packet load needs r6 to be the context
; type: socket_filter
; expect: reject ld-abs
r6 = 0
r0 = *(u8 *)skb[23]
exit

=== legacy packet load in xdp
; type: xdp
; expect: reject ld-abs
r6 = r1
r0 = *(u8 *)skb[23]
exit

=== legacy indexed load clobbers r1 to r5
; type: socket_filter
; expect: reject uninit-reg
r6 = r1
r7 = 2
r0 = *(u16 *)skb[r7 + 4]
r0 = r2
exit
