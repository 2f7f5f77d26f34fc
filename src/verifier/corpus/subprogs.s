=== a function returns its r0 to the caller
; type: socket_filter
; expect: accept
r1 = 5
call add_one
exit
add_one:
r0 = r1
r0 += 1
exit

=== a call by offset (call pc+N) works like a call by label
; type: socket_filter
; expect: accept
r1 = 1
call pc+1
exit
r0 = r1
exit

=== the same function called from two places
; type: socket_filter
; expect: accept
r1 = 1
call f
r6 = r0
r1 = 2
call f
r0 += r6
exit
f:
r0 = r1
exit

=== a function called in a bounded loop
; type: socket_filter
; expect: accept
r6 = 0
l:
r1 = r6
call f
r6 += 1
if r6 < 10 goto l
r0 = 0
exit
f:
r0 = r1
exit

=== the caller's r6-r9 survive a call
; type: socket_filter
; expect: accept
r6 = 7
r9 = 3
r1 = 1
call f
r0 = r6
r0 += r9
exit
f:
r6 = 100
r9 = 100
r0 = 0
exit

=== the caller's r1 is clobbered by a call
; type: socket_filter
; expect: reject uninit-reg
r1 = 1
call f
r0 = r1
exit
f:
r0 = 0
exit

=== a function cannot read the caller's r6
; type: socket_filter
; expect: reject uninit-reg
r6 = 1
call f
exit
f:
r0 = r6
exit

=== a function reads an argument the caller never set
; type: socket_filter
; expect: reject uninit-reg
r1 = 1
call f
exit
f:
r0 = r2
exit

=== a function returns without setting r0
; type: socket_filter
; expect: reject r0-unset
r0 = 0
call f
exit
f:
r1 = 0
exit

=== a function returns a pointer to its own stack
; type: socket_filter
; expect: reject return-stack-ptr
call f
r0 = 0
exit
f:
r0 = r10
r0 += -8
exit

=== a function returns the context pointer it was given
; type: socket_filter
; expect: accept
call f
r0 = *(u32 *)(r0 +0)
exit
f:
r0 = r1
exit

=== a function writes through a pointer to the caller's stack
; type: socket_filter
; expect: accept
r1 = r10
r1 += -8
call fill
r0 = *(u64 *)(r10 -8)
exit
fill:
r2 = 42
*(u64 *)(r1 +0) = r2
r0 = 0
exit

=== a function reads the caller's stack the caller initialised
; type: socket_filter
; expect: accept
r2 = 9
*(u64 *)(r10 -16) = r2
r1 = r10
r1 += -16
call get
exit
get:
r0 = *(u64 *)(r1 +0)
exit

=== a function writes past the top of the caller's stack
; type: socket_filter
; expect: reject stack-bounds
r1 = r10
r1 += -8
call fill
r0 = 0
exit
fill:
r2 = 42
*(u64 *)(r1 +8) = r2
r0 = 0
exit

=== a pointer spilled by the caller is reloaded in the function
; type: socket_filter
; expect: accept
*(u64 *)(r10 -8) = r1
r1 = r10
r1 += -8
call f
exit
f:
r1 = *(u64 *)(r1 +0)
r0 = *(u32 *)(r1 +0)
exit

=== a function cannot store its stack pointer in the caller's frame
; type: socket_filter
; expect: reject caller-stack-spill
r1 = r10
r1 += -8
call f
r0 = 0
exit
f:
r2 = r10
r2 += -8
*(u64 *)(r1 +0) = r2
r0 = 0
exit

=== a function looks up a key on the caller's stack
; type: socket_filter
; map: m hash 4 8 16
; expect: accept
*(u32 *)(r10 -4) = 0
r1 = r10
r1 += -4
call lookup
exit
lookup:
r2 = r1
r1 = map[m] ll
call bpf_map_lookup_elem
if r0 == 0 goto out
r0 = *(u64 *)(r0 +0)
out:
r0 = 0
exit

=== a function's map value stays maybe-null in the caller
; type: socket_filter
; map: m hash 4 8 16
; expect: reject null-deref
*(u32 *)(r10 -4) = 0
r1 = r10
r1 += -4
call lookup
r0 = *(u64 *)(r0 +0)
exit
lookup:
r2 = r1
r1 = map[m] ll
call bpf_map_lookup_elem
exit

=== a record reserved in a function is submitted by the caller
; type: tracepoint
; map: rb ringbuf 0 0 4096
; expect: accept
call reserve
if r0 == 0 goto out
r1 = r0
r2 = 0
call bpf_ringbuf_submit
out:
r0 = 0
exit
reserve:
r1 = map[rb] ll
r2 = 16
r3 = 0
call bpf_ringbuf_reserve
exit

=== a record reserved in a function and never submitted
; type: tracepoint
; map: rb ringbuf 0 0 4096
; expect: reject unreleased-ref
call reserve
r0 = 0
exit
reserve:
r1 = map[rb] ll
r2 = 16
r3 = 0
call bpf_ringbuf_reserve
exit

=== a function calls itself
; type: socket_filter
; expect: reject recursive-call
r1 = 1
call f
exit
f:
if r1 == 0 goto done
r1 -= 1
call f
done:
r0 = 0
exit

=== two functions call each other
; type: socket_filter
; expect: reject recursive-call
r1 = 3
call a
exit
a:
if r1 == 0 goto a_done
r1 -= 1
call b
a_done:
r0 = 0
exit
b:
call a
exit

=== a jump from the main program into a function
; type: socket_filter
; expect: reject jump-out-of-range
r1 = 1
if r1 == 1 goto f
call f
exit
f:
r0 = 0
exit

=== a jump from a function back into the main program
; type: socket_filter
; expect: reject jump-out-of-range
r1 = 1
back:
call f
exit
f:
r0 = 0
if r1 == 1 goto back
exit

=== the main program falls into a function
; type: socket_filter
; expect: reject fall-off-end
r1 = 1
call f
r0 = 0
f:
r0 = 1
exit

=== a function's last instruction may be a jump back
; type: socket_filter
; expect: accept
call f
exit
f:
r0 = 0
l:
r0 += 1
if r0 > 5 goto out
goto l
out:
exit

=== a call to an instruction outside the program
; type: socket_filter
; expect: reject call-out-of-range
r0 = 0
.insn 0x85, 0, 1, 0, 5
exit

=== a call with a nonzero offset field
; type: socket_filter
; expect: reject reserved-fields
r0 = 0
.insn 0x85, 0, 1, 1, 1
exit
r0 = 0
exit

=== a call with a destination register
; type: socket_filter
; expect: reject reserved-fields
r0 = 0
.insn 0x85, 2, 1, 0, 1
exit
r0 = 0
exit

=== eight frames deep is the limit
; type: socket_filter
; expect: accept
call f1
exit
f1:
call f2
exit
f2:
call f3
exit
f3:
call f4
exit
f4:
call f5
exit
f5:
call f6
exit
f6:
call f7
exit
f7:
r0 = 0
exit

=== nine frames are too deep
; type: socket_filter
; expect: reject call-depth
call f1
exit
f1:
call f2
exit
f2:
call f3
exit
f3:
call f4
exit
f4:
call f5
exit
f5:
call f6
exit
f6:
call f7
exit
f7:
call f8
exit
f8:
r0 = 0
exit

=== nine frames are too deep even on a path never taken
; type: socket_filter
; expect: reject call-depth
call f1
exit
f1:
call f2
exit
f2:
call f3
exit
f3:
call f4
exit
f4:
call f5
exit
f5:
call f6
exit
f6:
call f7
exit
f7:
r1 = 0
if r1 != 0 goto deeper
r0 = 0
exit
deeper:
call f8
exit
f8:
r0 = 0
exit

=== two frames of 256 bytes fit the 512-byte stack
; type: socket_filter
; expect: accept
*(u64 *)(r10 -256) = r1
call f
exit
f:
r1 = 0
*(u64 *)(r10 -256) = r1
r0 = 0
exit

=== two frames of 256 and 264 bytes overflow the stack
; type: socket_filter
; expect: reject stack-depth
*(u64 *)(r10 -256) = r1
call f
exit
f:
r1 = 0
*(u64 *)(r10 -264) = r1
r0 = 0
exit

=== frames are rounded up to 16 bytes: 264 and 240 fit
; type: socket_filter
; expect: accept
*(u64 *)(r10 -264) = r1
call f
exit
f:
r1 = 0
*(u64 *)(r10 -240) = r1
r0 = 0
exit

=== frames are rounded up to 16 bytes: 264 and 248 overflow
; type: socket_filter
; expect: reject stack-depth
*(u64 *)(r10 -264) = r1
call f
exit
f:
r1 = 0
*(u64 *)(r10 -248) = r1
r0 = 0
exit

=== stack used through a pointer counts for the frame it points into
; type: socket_filter
; expect: reject stack-depth
r1 = r10
call f
exit
f:
r2 = 0
*(u64 *)(r1 -264) = r2
*(u64 *)(r10 -256) = r2
r0 = 0
exit

=== a helper reading the stack counts toward its depth
; type: socket_filter
; map: m hash 4 8 16
; expect: reject stack-depth
r1 = 0
*(u32 *)(r10 -300) = r1
call f
r0 = 0
exit
f:
r1 = map[m] ll
r2 = r10
r2 += -256
call bpf_map_lookup_elem
r0 = 0
exit

=== stack used after a constant result still counts
; type: socket_filter
; expect: reject stack-depth
*(u64 *)(r10 -256) = r1
call f
exit
f:
r0 = 0
r1 = 0
*(u64 *)(r10 -264) = r1
exit

=== three frames share the stack
; type: socket_filter
; expect: reject stack-depth
*(u64 *)(r10 -200) = r1
call f
exit
f:
*(u64 *)(r10 -160) = r1
call g
exit
g:
r1 = 0
*(u64 *)(r10 -160) = r1
r0 = 0
exit

=== tracing programs give large frames a private stack
; type: tracepoint
; expect: accept
r1 = 0
*(u64 *)(r10 -256) = r1
call f
r0 = 0
exit
f:
r1 = 0
*(u64 *)(r10 -320) = r1
r0 = 0
exit

=== tracing programs put a 504-byte frame on its own stack
; type: tracepoint
; expect: accept
r1 = 0
*(u64 *)(r10 -504) = r1
call f
r0 = 0
exit
f:
r1 = 0
*(u64 *)(r10 -16) = r1
r0 = 0
exit

=== stack used only on a branch never taken does not count
; type: socket_filter
; expect: accept
*(u64 *)(r10 -256) = r1
call f
exit
f:
r0 = 0
if r0 != 0 goto deep
exit
deep:
r1 = 0
*(u64 *)(r10 -264) = r1
exit

=== a function that moves packet data invalidates the caller's packet pointers
; type: xdp
; expect: reject invalid-mem
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r6 = r2
r4 = r2
r4 += 8
if r4 > r3 goto out
call f
r0 = *(u8 *)(r6 +0)
out:
r0 = 2
exit
f:
r2 = 0
call bpf_xdp_adjust_head
r0 = 0
exit

=== a legacy packet load inside a function
; type: socket_filter
; expect: reject ld-abs
call f
exit
f:
r6 = r1
r0 = *(u8 *)skb[23]
exit

=== a legacy packet load in a main program that has functions
; type: socket_filter
; expect: accept
r6 = r1
r0 = *(u8 *)skb[23]
call f
exit
f:
r0 = 0
exit

=== a function's map lookups invalidate nothing in the caller
; type: xdp
; expect: accept
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 8
if r4 > r3 goto out
call f
out:
r0 = 2
exit
f:
r0 = 0
exit

=== a tail call inside a function
; type: socket_filter
; map: progs prog_array 4 4 4
; expect: reject tail-call
call f
r0 = 0
exit
f:
r2 = map[progs] ll
r3 = 0
call bpf_tail_call
r0 = 0
exit

=== the main program may tail call with any stack
; type: socket_filter
; map: progs prog_array 4 4 4
; expect: accept
*(u64 *)(r10 -400) = r1
r2 = map[progs] ll
r3 = 0
call bpf_tail_call
call f
r0 = 0
exit
f:
r0 = 0
exit

=== a tail call turns off private stacks in tracing programs
; type: tracepoint
; map: progs prog_array 4 4 4
; expect: reject stack-depth
r6 = r1
r1 = 0
*(u64 *)(r10 -256) = r1
r1 = r6
r2 = map[progs] ll
r3 = 0
call bpf_tail_call
call f
r0 = 0
exit
f:
r1 = 0
*(u64 *)(r10 -320) = r1
r0 = 0
exit
