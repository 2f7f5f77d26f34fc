=== cgroup skb returns 1
; type: cgroup_skb
; expect: accept
r0 = 1
exit

=== cgroup skb returns 2
; type: cgroup_skb
; expect: reject bad-return
r0 = 2
exit

=== cgroup skb returns an unknown number
; type: cgroup_skb
; expect: reject bad-return
r0 = *(u32 *)(r1 +0)
exit

=== cgroup skb returns a masked number
; type: cgroup_skb
; expect: accept
r0 = *(u32 *)(r1 +0)
r0 &= 1
exit

=== cgroup skb returns a pointer
; type: cgroup_skb
; expect: reject bad-return
r0 = r10
exit

=== xdp may return any number
; type: xdp
; expect: accept
r0 = 12345
exit

=== socket filter may return a pointer as root
; type: socket_filter
; expect: accept
r0 = r10
exit
