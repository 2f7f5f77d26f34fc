=== read the current task's pid through its BTF pointer
; type: tracepoint
; btf: vmlinux
; expect: accept
call bpf_get_current_task_btf
r0 = *(u32 *)(r0 +offsetof(task_struct.pid))
r0 = 0
exit

=== read eight bytes of the task's name, an array of chars
; type: tracepoint
; btf: vmlinux
; expect: accept
call bpf_get_current_task_btf
r0 = *(u64 *)(r0 +offsetof(task_struct.comm))
r0 = 0
exit

=== an eight-byte read of the four-byte pid runs past the member
; type: tracepoint
; btf: vmlinux
; expect: reject btf-access
call bpf_get_current_task_btf
r0 = *(u64 *)(r0 +offsetof(task_struct.pid))
r0 = 0
exit

=== a write to the task is refused
; type: tracepoint
; btf: vmlinux
; expect: reject btf-access
call bpf_get_current_task_btf
r1 = 0
*(u32 *)(r0 +offsetof(task_struct.pid)) = r1
r0 = 0
exit

=== a read past the end of the task
; type: tracepoint
; btf: vmlinux
; expect: reject btf-access
call bpf_get_current_task_btf
r0 = *(u32 *)(r0 +sizeof(task_struct))
r0 = 0
exit

=== a negative offset into the task
; type: tracepoint
; btf: vmlinux
; expect: reject btf-access
call bpf_get_current_task_btf
r0 = *(u32 *)(r0 -8)
r0 = 0
exit

=== the parent task's pid through real_parent, which the kernel trusts
; type: tracepoint
; btf: vmlinux
; expect: accept
call bpf_get_current_task_btf
r1 = *(u64 *)(r0 +offsetof(task_struct.real_parent))
r0 = *(u32 *)(r1 +offsetof(task_struct.tgid))
r0 = 0
exit

=== half of the real_parent pointer
; type: tracepoint
; btf: vmlinux
; expect: reject btf-access
call bpf_get_current_task_btf
r0 = *(u32 *)(r0 +offsetof(task_struct.real_parent))
r0 = 0
exit

=== a field of the memory map through task->mm
; type: tracepoint
; btf: vmlinux
; expect: accept
call bpf_get_current_task_btf
r1 = *(u64 *)(r0 +offsetof(task_struct.mm))
r0 = *(u64 *)(r1 +offsetof(mm_struct.task_size))
r0 = 0
exit

=== mm->exe_file read through task->mm, a plain pointer, is never NULL
; type: tracepoint
; btf: vmlinux
; expect: accept
call bpf_get_current_task_btf
r1 = *(u64 *)(r0 +offsetof(task_struct.mm))
r1 = *(u64 *)(r1 +offsetof(mm_struct.exe_file))
r0 = *(u32 *)(r1 +offsetof(file.f_flags))
r0 = 0
exit

=== mm->exe_file checked for NULL anyway
; type: tracepoint
; btf: vmlinux
; expect: accept
call bpf_get_current_task_btf
r1 = *(u64 *)(r0 +offsetof(task_struct.mm))
r1 = *(u64 *)(r1 +offsetof(mm_struct.exe_file))
if r1 == 0 goto out
r0 = *(u32 *)(r1 +offsetof(file.f_flags))
out:
r0 = 0
exit

=== a variable offset into the task
; type: tracepoint
; btf: vmlinux
; expect: reject btf-access
call bpf_get_prandom_u32
r6 = r0
r6 &= 4
call bpf_get_current_task_btf
r0 += r6
r0 = *(u8 *)(r0 +offsetof(task_struct.comm))
r0 = 0
exit

=== a constant added to the task pointer reaches the pid
; type: tracepoint
; btf: vmlinux
; expect: accept
call bpf_get_current_task_btf
r0 += offsetof(task_struct.pid)
r0 = *(u32 *)(r0 +0)
r0 = 0
exit

=== the task pointer is not a number to return
; type: raw_tracepoint
; btf: vmlinux
; expect: accept
call bpf_get_current_task_btf
r1 = *(u32 *)(r0 +offsetof(task_struct.tgid))
r0 = 0
exit

=== the task's cgroups and their default cgroup, trusted all the way
; type: tracepoint
; btf: vmlinux
; expect: accept
call bpf_get_current_task_btf
r1 = *(u64 *)(r0 +offsetof(task_struct.cgroups))
r1 = *(u64 *)(r1 +offsetof(css_set.dfl_cgrp))
r0 = *(u32 *)(r1 +offsetof(cgroup.level))
r0 = 0
exit


=== a pointer to no struct (task->security, a void *) is read as untrusted memory
; type: tracepoint
; btf: vmlinux
; expect: accept
call bpf_get_current_task_btf
r1 = *(u64 *)(r0 +offsetof(task_struct.security))
r0 = *(u32 *)(r1 +16)
r0 = 0
exit

=== untrusted memory cannot be written
; type: tracepoint
; btf: vmlinux
; expect: reject btf-access
call bpf_get_current_task_btf
r1 = *(u64 *)(r0 +offsetof(task_struct.security))
r2 = 0
*(u32 *)(r1 +0) = r2
r0 = 0
exit

=== a flexible array at the end of a struct is read past its size
; type: tracepoint
; btf: vmlinux
; expect: accept
call bpf_get_current_task_btf
r1 = *(u64 *)(r0 +offsetof(task_struct.numa_group))
r0 = *(u64 *)(r1 +sizeof(numa_group))
r0 = 0
exit
