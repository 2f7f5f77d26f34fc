; The README tour's program as assembly: count openat(2) calls in slot 0 of the array map `counts`.
;   sudo npx bpfkit load examples/count-openat.s --type tracepoint --map counts:array:4:8:1 \
;     --attach tracepoint:syscalls:sys_enter_openat
*(u32 *)(r10 - 4) = 0
r1 = map[counts] ll
r2 = r10
r2 += -4
call map_lookup_elem
if r0 == 0 goto out
r1 = 1
lock *(u64 *)(r0 + 0) += r1
out:
r0 = 0
exit
