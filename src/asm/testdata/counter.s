; Count events per CPU-less key 0 in an array map, the shape of most tracing programs.
; bpfkit asm counter.s -o counter.bin
  r6 = r1
  r1 = 0
  *(u32 *)(r10 -4) = r1
  r2 = r10
  r2 += -4
  r1 = map[counts] ll
  call bpf_map_lookup_elem
  if r0 == 0 goto out
  r1 = 1
  lock *(u64 *)(r0 +0) += r1
  r1 = map[config][0]+8 ll
  r2 = *(u32 *)(r1 +0)
  if w2 s> 0x10 goto out
  call bpf_get_current_pid_tgid
  r0 >>= 32
out:
  r0 = 0
  exit
