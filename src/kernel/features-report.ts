// formatFeatures renders a Features report the way `bpftool feature probe` does, grouped by section.

import type { Features } from './features.js';

const on = (ok: boolean): string => (ok ? 'is available' : 'is NOT available');

/** formatFeatures returns the human report printed by `bpfkit features`. */
export function formatFeatures(f: Features): string {
  const out: string[] = [];
  const s = f.system;
  out.push('Scanning system configuration...');
  out.push(`Kernel release is ${f.kernelRelease}`);
  const jit = [
    'JIT compiler is disabled',
    'JIT compiler is enabled',
    'JIT compiler is enabled with debugging traces in kernel logs',
  ];
  out.push(
    s.jitEnabled === undefined
      ? 'Unable to retrieve JIT-compiler status'
      : (jit[s.jitEnabled] ?? `JIT-compiler status ${s.jitEnabled}`),
  );
  const harden = [
    'JIT compiler hardening is disabled',
    'JIT compiler hardening is enabled for unprivileged users',
    'JIT compiler hardening is enabled for all users',
  ];
  if (s.jitHarden !== undefined) out.push(harden[s.jitHarden] ?? `JIT hardening ${s.jitHarden}`);
  if (s.jitKallsyms !== undefined)
    out.push(`JIT compiler kallsyms exports are ${s.jitKallsyms ? 'enabled' : 'disabled'} for root`);
  if (s.unprivilegedBpfDisabled !== undefined)
    out.push(`bpf() syscall for unprivileged users is ${s.unprivilegedBpfDisabled ? 'disabled' : 'enabled'}`);
  out.push(`vmlinux BTF ${on(s.vmlinuxBtf)}`);
  out.push(`BTF loading ${on(s.btfLoad)}`);
  out.push(
    `kprobes ${on(s.kprobes)}${s.kprobes ? '' : ' (kernel built without CONFIG_KPROBES: use tracepoints)'}`,
  );
  out.push(`uprobes ${on(s.uprobes)}`);
  out.push('');
  out.push('Scanning system call availability...');
  out.push('bpf() syscall is available');
  out.push('');
  out.push('Scanning eBPF program types...');
  for (const [name, ok] of Object.entries(f.programTypes)) out.push(`eBPF program_type ${name} ${on(ok)}`);
  out.push('');
  out.push('Scanning eBPF map types...');
  for (const [name, ok] of Object.entries(f.mapTypes)) out.push(`eBPF map_type ${name} ${on(ok)}`);
  out.push('');
  out.push('Scanning eBPF attach types...');
  for (const [name, ok] of Object.entries(f.attachTypes)) out.push(`eBPF attach_type ${name} ${on(ok)}`);
  out.push('');
  out.push('Scanning eBPF helper functions...');
  for (const [type, row] of Object.entries(f.helpers)) {
    out.push(`eBPF helpers supported for program type ${type}:`);
    for (const [h, ok] of Object.entries(row)) if (ok) out.push(`\t- bpf_${h}`);
  }
  out.push('');
  out.push('Scanning miscellaneous eBPF features...');
  out.push(`Large program size limit ${on(f.misc.largeInsnLimit)}`);
  out.push(`Bounded loop support ${on(f.misc.boundedLoops)}`);
  for (const v of [2, 3, 4]) out.push(`ISA extension v${v} ${on(f.misc.isaVersion >= v)}`);
  return `${out.join('\n')}\n`;
}
