=== xdp reads the packet without a bounds check
; type: xdp
; expect: reject packet-bounds
r2 = *(u32 *)(r1 +0)
r0 = *(u8 *)(r2 +0)
exit

=== xdp reads 14 bytes after checking 14
; type: xdp
; expect: accept
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 14
if r4 > r3 goto out
r0 = *(u16 *)(r2 +12)
out:
r0 = 2
exit

=== xdp reads one byte past the checked range
; type: xdp
; expect: reject packet-bounds
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 14
if r4 > r3 goto out
r0 = *(u16 *)(r2 +13)
out:
r0 = 2
exit

=== bounds check written as data_end >= ptr
; type: xdp
; expect: accept
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 8
if r3 >= r4 goto ok
r0 = 1
exit
ok:
r0 = *(u64 *)(r2 +0)
r0 = 2
exit

=== bounds check on the wrong side of the branch
; type: xdp
; expect: reject packet-bounds
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 8
if r4 <= r3 goto out
r0 = *(u64 *)(r2 +0)
out:
r0 = 2
exit

=== tc writes into the packet
; type: sched_cls
; expect: accept
r2 = *(u32 *)(r1 +76)
r3 = *(u32 *)(r1 +80)
r4 = r2
r4 += 1
if r4 > r3 goto out
*(u8 *)(r2 +0) = 0
out:
r0 = 0
exit

=== cgroup skb writes into the packet
; type: cgroup_skb
; expect: reject packet-readonly
r2 = *(u32 *)(r1 +76)
r3 = *(u32 *)(r1 +80)
r4 = r2
r4 += 1
if r4 > r3 goto out
r5 = 0
*(u8 *)(r2 +0) = r5
out:
r0 = 1
exit

=== variable offset packet pointer needs its own check
; type: xdp
; expect: reject packet-bounds
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 16
if r4 > r3 goto out
r5 = *(u8 *)(r2 +0)
r2 += r5
r0 = *(u8 *)(r2 +0)
out:
r0 = 2
exit

=== packet pointers die after bpf_xdp_adjust_head
; type: xdp
; expect: reject invalid-mem
r6 = r1
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 8
if r4 > r3 goto out
r7 = r2
r1 = r6
r2 = 4
call bpf_xdp_adjust_head
r0 = *(u8 *)(r7 +0)
out:
r0 = 2
exit

=== data_end cannot be dereferenced
; type: xdp
; expect: reject invalid-mem
r3 = *(u32 *)(r1 +4)
r0 = *(u8 *)(r3 +0)
exit
