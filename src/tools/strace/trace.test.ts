import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { kernelIt } from '../../testing/kernel.js';
import { runStrace } from './trace.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfkit-strace-'));
const present = join(dir, 'present.txt');
const missing = join(dir, 'missing.txt');
writeFileSync(present, 'hello strace\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function strace(opts: Parameters<typeof runStrace>[0]) {
  const output = join(dir, `trace-${n++}.txt`);
  const result = await runStrace({ ...opts, output });
  return {
    result,
    lines: readFileSync(output, 'utf8')
      .split('\n')
      .filter((l) => l !== ''),
  };
}

describe('strace', () => {
  kernelIt('prints a command from its execve to its exit, with paths, data and errno decoded', async () => {
    // -s 128: the temporary paths are longer than the 32 bytes of an argument shown by default.
    const { result, lines } = await strace({ command: ['cat', present, missing], strSize: 128 });
    expect(result.exitCode).toBe(1);
    expect(result.lost).toBe(0);
    expect(lines[0]).toMatch(
      new RegExp(
        `^execve\\("(/usr)?/bin/cat", \\["cat", "${present}", "${missing}"\\], 0x[0-9a-f]+ /\\* \\d+ vars \\*/\\) = 0$`,
      ),
    );
    expect(lines).toContain(`openat(AT_FDCWD, "${present}", O_RDONLY) = 3`);
    expect(lines.some((l) => /^read\(3, "hello strace\\n", \d+\) += 13$/.test(l))).toBe(true);
    expect(lines.some((l) => /^write\(1, "hello strace\\n", 13\) += 13$/.test(l))).toBe(true);
    expect(lines).toContain(
      `openat(AT_FDCWD, "${missing}", O_RDONLY) = -1 ENOENT (No such file or directory)`,
    );
    expect(lines.at(-2)).toMatch(/^exit_group\(1\) += \?$/);
    expect(lines.at(-1)).toBe('+++ exited with 1 +++');
  });

  kernelIt('runs the command with its own argv[0] and counts the environment it gets', async () => {
    const out = join(dir, 'env.txt');
    const { lines } = await strace({ command: ['sh', '-c', `env > ${out}`], strSize: 128 });
    const vars = readFileSync(out, 'utf8')
      .split('\n')
      .filter((l) => l !== '').length;
    const exec =
      /^execve\("(\/usr)?\/bin\/sh", \["sh", "-c", "env > [^"]+"\], 0x[0-9a-f]+ \/\* (\d+) vars \*\/\) = 0$/.exec(
        lines[0] ?? '',
      );
    expect(exec, lines[0]).not.toBeNull();
    expect(Number(exec?.[2])).toBe(vars);
    // cat names itself by its argv[0] in its error message, as it does untraced.
    const cat = await strace({ command: ['cat', missing], trace: 'trace=write' });
    expect(cat.lines[0]).toBe('write(2, "cat: ", 5)                    = 5');
  });

  kernelIt(
    'prints the socket address, timespec and signal set a call reads, and the old set it gets',
    async () => {
      const script = [
        'import socket, signal, time',
        's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)',
        'c = socket.socket(); c.connect(s.getsockname())',
        'time.sleep(0.01)',
        'signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1, signal.SIGTERM])',
        'signal.signal(signal.SIGUSR2, signal.SIG_IGN)',
        's.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
        'a, _ = s.accept()',
        'c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)',
        'import os, select; os.uname(); e = select.epoll(); e.register(a.fileno(), select.EPOLLIN)',
        'c.send(b"x"); p = select.poll(); p.register(a.fileno(), select.POLLIN); p.poll(1000)',
        'c.setblocking(False)',
      ].join('\n');
      const { lines } = await strace({
        command: ['python3', '-c', script],
        trace:
          'trace=bind,connect,clock_nanosleep,rt_sigprocmask,rt_sigaction,setsockopt,getsockname,accept4,getsockopt,uname,epoll_ctl,poll,ioctl',
      });
      const inet =
        'sa_family=AF_INET, sin_port=htons\\([1-9]\\d*\\), sin_addr=inet_addr\\("127\\.0\\.0\\.1"\\)';
      expect(
        lines.some((l) => new RegExp(`^getsockname\\(3, \\{${inet}\\}, \\[16\\]\\) += 0$`).test(l)),
      ).toBe(true);
      expect(
        lines.some((l) => new RegExp(`^accept4\\(3, \\{${inet}\\}, \\[16\\], SOCK_CLOEXEC\\) += 5$`).test(l)),
      ).toBe(true);
      expect(lines).toContain('getsockopt(4, SOL_SOCKET, SO_ERROR, [0], [4]) = 0');
      const unpadded = lines.map((l) => l.replace(/ +=/, ' ='));
      expect(unpadded).toContain('poll([{fd=5, events=POLLIN}], 1, 1000) = 1 ([{fd=5, revents=POLLIN}])');
      expect(unpadded).toContain('ioctl(4, FIONBIO, [1]) = 0');
      expect(lines.some((l) => /^uname\(\{sysname="Linux", nodename="[^"]*", \.\.\.\}\) += 0$/.test(l))).toBe(
        true,
      );
      expect(
        lines.some((l) =>
          /^epoll_ctl\(\d+, EPOLL_CTL_ADD, 5, \{events=EPOLLIN, data=\{u32=5, u64=\d+\}\}\) += 0$/.test(l),
        ),
      ).toBe(true);
      expect(lines).toContain('setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0');
      const port =
        /^bind\(3, \{sa_family=AF_INET, sin_port=htons\(0\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}, 16\) += 0$/;
      expect(lines.some((l) => port.test(l))).toBe(true);
      expect(
        lines.some((l) =>
          /^connect\(4, \{sa_family=AF_INET, sin_port=htons\([1-9]\d*\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}, 16\) += 0$/.test(
            l,
          ),
        ),
      ).toBe(true);
      // Python sleeps until an absolute deadline on the monotonic clock.
      expect(
        lines.some((l) =>
          /^clock_nanosleep\(CLOCK_MONOTONIC, TIMER_ABSTIME, \{tv_sec=\d+, tv_nsec=\d+\}, NULL\) += 0$/.test(
            l,
          ),
        ),
      ).toBe(true);
      expect(lines.some((l) => /^rt_sigprocmask\(SIG_BLOCK, \[USR1 TERM\], \[.*\], 8\) += 0$/.test(l))).toBe(
        true,
      );
      expect(
        lines.some((l) =>
          /^rt_sigaction\(SIGUSR2, \{sa_handler=SIG_IGN, sa_mask=\[\], sa_flags=SA_RESTORER(\|SA_ONSTACK)?, sa_restorer=0x[0-9a-f]+\}, \{sa_handler=SIG_DFL, sa_mask=\[\], sa_flags=0\}, 8\) += 0$/.test(
            l,
          ),
        ),
      ).toBe(true);
    },
  );

  kernelIt('prints both paths of symlink and rename, as strace does', async () => {
    const a = join(dir, 'lnk');
    const b = join(dir, 'lnk2');
    const { lines } = await strace({
      command: ['sh', '-c', `ln -s ${present} ${a} && readlink ${a} && mv ${a} ${b} && rm ${b}`],
      follow: true,
      trace: 'trace=symlink,symlinkat,rename,renameat,renameat2,readlink,readlinkat',
      strSize: 128,
    });
    const calls = lines.map((l) => l.replace(/^\[pid +\d+\] /, ''));
    expect(calls).toContain(`symlinkat("${present}", AT_FDCWD, "${a}") = 0`);
    const target = `"${present}", \\d+\\) += ${present.length}$`;
    expect(
      calls.some((l) => new RegExp(`^(readlink\\("${a}"|readlinkat\\(AT_FDCWD, "${a}"), ${target}`).test(l)),
      calls.join('\n'),
    ).toBe(true);
    expect(
      calls.some(
        (l) =>
          l === `renameat2(AT_FDCWD, "${a}", AT_FDCWD, "${b}", RENAME_NOREPLACE) = 0` ||
          l === `rename("${a}", "${b}") = 0`,
      ),
    ).toBe(true);
  });

  kernelIt('prints every process end under -e, as strace does', async () => {
    const { lines } = await strace({
      command: ['sh', '-c', '/bin/true; /bin/true; exit 3'],
      follow: true,
      trace: 'trace=execve,wait4',
    });
    expect(lines.filter((l) => /^\[pid +\d+\] \+\+\+ exited with 0 \+\+\+$/.test(l))).toHaveLength(2);
    // wait4 shows the status it filled, whole or after <... wait4 resumed>.
    const waited = lines.filter((l) =>
      /\[\{WIFEXITED\(s\) && WEXITSTATUS\(s\) == 0\}\], [A-Z0-9|]+, NULL\) += \d+$/.test(l),
    );
    expect(waited, lines.join('\n')).toHaveLength(2);
    expect(lines.some((l) => l.includes('exit_group('))).toBe(false);
    expect(lines.at(-1)).toBe('+++ exited with 3 +++');
  });

  kernelIt('prints the signals a traced process gets, with their siginfo', async () => {
    const script = [
      'import os, signal, subprocess',
      'signal.signal(signal.SIGUSR1, lambda *a: None)',
      'signal.signal(signal.SIGCHLD, lambda *a: None)',
      'os.kill(os.getpid(), signal.SIGUSR1)',
      'subprocess.run(["true"])',
    ].join('\n');
    const { lines } = await strace({ command: ['python3', '-c', script], trace: 'trace=kill,rt_sigreturn' });
    const kill = lines.find((l) => l.startsWith('kill('));
    const pid = /^kill\((\d+), SIGUSR1\)/.exec(kill ?? '')?.[1];
    expect(pid, lines.join('\n')).toBeDefined();
    expect(lines).toContain(`--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=${pid}, si_uid=0} ---`);
    // The handler returns through rt_sigreturn, which restores the mask from the signal frame.
    expect(
      lines.some((l) => /^rt_sigreturn\(\{mask=\[\]\}\) += \d+$/.test(l)),
      lines.join('\n'),
    ).toBe(true);
    expect(
      lines.some((l) =>
        /^--- SIGCHLD \{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=\d+, si_uid=0, si_status=0, si_utime=\d+, si_stime=\d+\} ---$/.test(
          l,
        ),
      ),
    ).toBe(true);
  });

  kernelIt('shows only failed calls with -e status=failed', async () => {
    const { lines } = await strace({ command: ['cat', present, missing], status: 'failed' });
    expect(lines).toContain(
      `openat(AT_FDCWD, "${missing}", O_RDONLY) = -1 ENOENT (No such file or directory)`,
    );
    expect(
      lines.slice(0, -1).every((l) => / = -1 E[A-Z]+ \(/.test(l)),
      lines.join('\n'),
    ).toBe(true);
    expect(lines.at(-1)).toBe('+++ exited with 1 +++');
  });

  kernelIt('accounts for every syscall of dd bs=1 (or counts the loss)', async () => {
    const count = 5000;
    const { result, lines } = await strace({
      command: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1', `count=${count}`],
    });
    const reads = lines.filter((l) => l.startsWith('read(0, "\\0", 1)')).length;
    const writes = lines.filter((l) => l.startsWith('write(1, "\\0", 1)')).length;
    expect(reads + writes + result.lost).toBeGreaterThanOrEqual(2 * count);
    expect(result.lost === 0 ? reads : count).toBe(count);
  });

  kernelIt('filters with -e trace= and times calls with -T', async () => {
    const { lines } = await strace({
      command: ['cat', present],
      trace: 'trace=openat,close',
      showTime: true,
    });
    const names = new Set(lines.filter((l) => !l.startsWith('+++')).map((l) => l.slice(0, l.indexOf('('))));
    expect(names).toEqual(new Set(['openat', 'close']));
    expect(lines.find((l) => l.startsWith('openat'))).toMatch(/ <\d+\.\d{6}>$/);
  });

  kernelIt('follows children with -f and prefixes their lines with the pid', async () => {
    const { lines } = await strace({ command: ['sh', '-c', `cat ${present}; true`], follow: true });
    const childExec = lines.find((l) => /^\[pid +\d+\] execve\("\/(usr\/)?bin\/cat"/.test(l));
    expect(childExec).toBeDefined();
    // The call that started the child is split around the child's first lines, as strace splits it.
    const firstChild = lines.findIndex((l) => l.startsWith('[pid '));
    // (A fork whose parent returns before the child runs prints whole, as strace would print it.)
    expect(lines[firstChild - 1]).toMatch(/^(vfork\(|clone\(|clone3\().*( <unfinished \.\.\.>| += \d+)$/);
    // (Without a prefix when the child has already ended by then, as strace prints it too.)
    const split = lines[firstChild - 1]?.endsWith(' <unfinished ...>') === true;
    expect(
      lines.some((l) => /^(\[pid +\d+\] )?<\.\.\. (vfork|clone|clone3) resumed>.*\) += \d+$/.test(l)),
      lines.join('\n'),
    ).toBe(split);
    // The child's argv and environment size, read by the kernel program at its execve.
    const env = Object.keys(process.env).filter((k) => k !== '_').length;
    expect(childExec).toMatch(
      new RegExp(
        `, \\["cat", "${present.slice(0, 32)}"\\.\\.\\.\\], 0x[0-9a-f]+ /\\* \\d+ vars \\*/(\\) += 0| <unfinished \\.\\.\\.>)$`,
      ),
    );
    expect(Number(/\/\* (\d+) vars/.exec(childExec ?? '')?.[1])).toBeGreaterThanOrEqual(env);
    expect(lines.some((l) => /^\[pid +\d+\] \+\+\+ exited with 0 \+\+\+$/.test(l))).toBe(true);
    // With -o, strace -f starts every line with the pid, the first process's too.
    const column = await strace({
      command: ['sh', '-c', `cat ${present}; true`],
      follow: true,
      pidEveryLine: true,
    });
    expect(column.lines[0]).toMatch(/^\d+ +execve\("\/(usr\/)?bin\/sh", \["sh", /);
    expect(column.lines.every((l) => /^\d+ +\S/.test(l))).toBe(true);
    expect(column.lines.at(-1)).toMatch(/^\d+ +\+\+\+ exited with 0 \+\+\+$/);
    // Without -f the child is not traced.
    const alone = await strace({ command: ['sh', '-c', `cat ${present}; true`] });
    expect(alone.lines.some((l) => l.includes(`"${present}"`))).toBe(false);
  });

  kernelIt('prefixes lines with -tt times and -r deltas that follow the clock', async () => {
    const before = Date.now();
    const { lines } = await strace({
      command: ['cat', present],
      timestamps: { absolute: 3, relative: false },
    });
    const after = Date.now();
    const stamps = lines.map((l) => /^(\d+)\.(\d{6}) \S/.exec(l));
    expect(stamps.every((m) => m !== null)).toBe(true);
    const ms = stamps.map((m) => Number(m![1]) * 1000 + Number(m![2]) / 1000);
    // Entry times are in order and within the run (the clock offset is measured to a millisecond).
    expect(ms.every((t, i) => i === 0 || t >= ms[i - 1]!)).toBe(true);
    expect(ms[0]).toBeGreaterThanOrEqual(before - 2);
    expect(ms.at(-1)).toBeLessThanOrEqual(after + 2);
    expect(lines.at(-1)).toMatch(/^\d+\.\d{6} \+\+\+ exited with 0 \+\+\+$/);
    const rel = await strace({ command: ['cat', present], timestamps: { absolute: 0, relative: true } });
    expect(rel.lines[0]).toMatch(/^ {5}0\.000000 execve\(/);
    expect(rel.lines.slice(1).every((l) => /^ +\d+\.\d{6} \S/.test(l))).toBe(true);
    const tt = await strace({ command: ['cat', present], timestamps: { absolute: 2, relative: false } });
    expect(tt.lines.find((l) => l.includes('openat('))).toMatch(/^\d\d:\d\d:\d\d\.\d{6} openat\(/);
  });

  kernelIt('prefixes [pid N] only while more than one process is traced, as strace -f does', async () => {
    const { lines } = await strace({
      command: ['sh', '-c', `cat ${present}; cat ${present}`],
      follow: true,
      trace: 'trace=execve,openat,wait4,exit_group',
    });
    // The shell's lines before its first child have no prefix, and its own exit after both
    // children have ended has none again.
    const firstChild = lines.findIndex((l) => l.startsWith('[pid'));
    expect(firstChild).toBeGreaterThan(0);
    expect(lines.slice(0, firstChild).every((l) => !l.startsWith('[pid'))).toBe(true);
    expect(lines.at(-2)).toMatch(/^exit_group\(0\) += \?$/);
    const children = new Set(lines.map((l) => /^\[pid +(\d+)\]/.exec(l)?.[1]).filter((p) => p !== undefined));
    expect(children.size).toBeGreaterThanOrEqual(2);
    expect(lines.filter((l) => /^\[pid +\d+\] \+\+\+ exited with 0 \+\+\+$/.test(l)).length).toBe(2);
  });

  kernelIt('prints the fd sets pselect6 read and what it left in them, as strace does', async () => {
    const script = [
      'import select, socket',
      'a, b = socket.socketpair(); b.send(b"x")',
      'select.select([a], [b], [], 5)',
      'select.select([], [], [], 0.001)',
    ].join('\n');
    const { lines } = await strace({ command: ['python3', '-c', script], trace: 'trace=select,pselect6' });
    const unpadded = lines.map((l) => l.replace(/ +=/, ' ='));
    expect(unpadded).toContainEqual(
      expect.stringMatching(
        /^pselect6\(5, \[3\], \[4\], NULL, \{tv_sec=5, tv_nsec=0\}, NULL\) = 2 \(in \[3\], out \[4\], left \{tv_sec=4, tv_nsec=\d+\}\)$/,
      ),
    );
    expect(unpadded).toContain(
      'pselect6(0, NULL, NULL, NULL, {tv_sec=0, tv_nsec=1000000}, NULL) = 0 (Timeout)',
    );
  });

  kernelIt(
    'shows the signal that killed the command before its +++ killed by line, as strace does',
    async () => {
      const { lines } = await strace({ command: ['sh', '-c', 'kill -TERM $$'], trace: 'trace=kill' });
      const kill = /^kill\((\d+), SIGTERM\) += 0$/.exec(lines[0] ?? '');
      expect(kill).not.toBeNull();
      expect(lines.slice(1)).toEqual([
        `--- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=${kill?.[1]}, si_uid=0} ---`,
        '+++ killed by SIGTERM +++',
      ]);
      // SIGKILL has no line of its own under strace.
      const killed = await strace({ command: ['sh', '-c', 'kill -KILL $$'], trace: 'trace=kill' });
      expect(killed.lines.slice(1)).toEqual(['+++ killed by SIGKILL +++']);
    },
  );

  kernelIt('shows a child killed by a signal under -f, as strace does', async () => {
    // The child is killed before or after its first call, whichever comes first: both are seen.
    const { lines } = await strace({
      command: ['sh', '-c', 'sleep 5 & kill -TERM $!; wait'],
      follow: true,
      trace: 'trace=kill',
    });
    const kill = lines.find((l) => /kill\(\d+, SIGTERM\) += 0$/.test(l));
    const [, parent, child] = /^(?:\[pid +(\d+)\] )?kill\((\d+), SIGTERM\)/.exec(kill ?? '') ?? [];
    expect(child, lines.join('\n')).toBeDefined();
    const at = lines.findIndex((l) => l.includes(`--- SIGTERM {si_signo=SIGTERM, si_code=SI_USER`));
    expect(lines[at], lines.join('\n')).toMatch(
      new RegExp(
        `^\\[pid +${child}\\] --- SIGTERM \\{si_signo=SIGTERM, si_code=SI_USER, si_pid=${parent ?? '\\d+'}, si_uid=0\\} ---$`,
      ),
    );
    expect(lines[at + 1]).toMatch(new RegExp(`^\\[pid +${child}\\] \\+\\+\\+ killed by SIGTERM \\+\\+\\+$`));
    expect(lines.filter((l) => l.includes('+++ killed by'))).toHaveLength(1);
    expect(lines.at(-1)).toBe('+++ exited with 0 +++');
    // A child that kills itself after its own calls; SIGKILL has no --- line under strace.
    const self = await strace({
      command: ['sh', '-c', 'sh -c "kill -TERM \\$\\$"; sh -c "kill -KILL \\$\\$"; exit 4'],
      follow: true,
      trace: 'trace=kill',
    });
    const ended = self.lines
      .filter((l) => !l.includes('SIGCHLD'))
      .map((l) => l.replace(/^\[pid +\d+\] /, ''));
    expect(
      ended.map((l) => l.replace(/\d+/g, 'N').replace(/ += /, ' = ')),
      self.lines.join('\n'),
    ).toEqual([
      'kill(N, SIGTERM) = N',
      '--- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=N, si_uid=N} ---',
      '+++ killed by SIGTERM +++',
      'kill(N, SIGKILL) = N',
      '+++ killed by SIGKILL +++',
      '+++ exited with N +++',
    ]);
    expect(self.lines.filter((l) => /^\[pid +\d+\] \+\+\+ killed by/.test(l))).toHaveLength(2);
  });

  kernelIt(
    'prints the msghdr sendmsg sends and recvmsg fills, with the iovec bytes, as strace does',
    async () => {
      const script = [
        'import socket',
        'a, b = socket.socketpair()',
        'a.sendmsg([b"hello"], [], socket.MSG_NOSIGNAL)',
        'b.recvmsg(100)',
        'a.sendmsg([b"x" * 100])',
        'b.recvmsg(200)',
      ].join('\n');
      const { lines } = await strace({ command: ['python3', '-c', script], trace: 'trace=sendmsg,recvmsg' });
      const calls = lines
        .filter((l) => /^(send|recv)msg\(/.test(l))
        .map((l) => l.replace(/0x[0-9a-f]+/g, 'P'));
      const x32 = 'x'.repeat(32);
      expect(calls, lines.join('\n')).toEqual([
        'sendmsg(3, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="hello", iov_len=5}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, MSG_NOSIGNAL) = 5',
        'recvmsg(4, {msg_name=P, msg_namelen=110 => 0, msg_iov=[{iov_base="hello", iov_len=100}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, 0) = 5',
        `sendmsg(3, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="${x32}"..., iov_len=100}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, 0) = 100`,
        `recvmsg(4, {msg_name=P, msg_namelen=110 => 0, msg_iov=[{iov_base="${x32}"..., iov_len=200}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, 0) = 100`,
      ]);
    },
  );

  kernelIt('prints no call with -e trace=none, but the signals and process ends', async () => {
    const { lines } = await strace({
      command: ['sh', '-c', 'sleep 5 & kill -TERM $!; wait; exit 3'],
      follow: true,
      trace: 'trace=none',
    });
    expect(
      lines.map((l) => l.replace(/^\[pid +/, '[pid ').replace(/\d+/g, 'N')),
      lines.join('\n'),
    ).toEqual([
      '[pid N] --- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=N, si_uid=N} ---',
      '[pid N] +++ killed by SIGTERM +++',
      '--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=N, si_uid=N, si_status=SIGTERM, si_utime=N, si_stime=N} ---',
      '+++ exited with N +++',
    ]);
    expect(lines.at(-1)).toBe('+++ exited with 3 +++');
  });

  kernelIt(
    'decodes the termios and winsize of a pty it opens, and the limits set, as strace does',
    async () => {
      const script = [
        'import os, termios, resource, fcntl',
        'm, s = os.openpty()',
        'a = termios.tcgetattr(s); a[3] &= ~termios.ECHO',
        'termios.tcsetattr(s, termios.TCSANOW, a)',
        'fcntl.ioctl(s, termios.TIOCSWINSZ, bytes([24, 0, 80, 0, 0, 0, 0, 0]))',
        "fcntl.ioctl(s, termios.TIOCGWINSZ, b'\\0' * 8)",
        'resource.setrlimit(resource.RLIMIT_CORE, (0, 4096))',
        'resource.getrlimit(resource.RLIMIT_CORE)',
      ].join('\n');
      const { lines } = await strace({ command: ['python3', '-c', script], trace: 'trace=ioctl,prlimit64' });
      const unpadded = lines.map((l) => l.replace(/ +=/, ' ='));
      const flags = (lflag: string) =>
        '{c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR, c_cflag=B38400|CS8|CREAD, ' +
        `c_lflag=${lflag}, ...}`;
      expect(unpadded).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^ioctl\\(\\d+, TCGETS, ${reEscape(flags('ISIG|ICANON|ECHO|ECHOE|ECHOK|IEXTEN|ECHOCTL|ECHOKE'))}\\) = 0$`,
          ),
        ),
      );
      expect(unpadded).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^ioctl\\(\\d+, SNDCTL_TMR_START or TCSETS, ${reEscape(flags('ISIG|ICANON|ECHOE|ECHOK|IEXTEN|ECHOCTL|ECHOKE'))}\\) = 0$`,
          ),
        ),
      );
      expect(unpadded).toContainEqual(
        expect.stringMatching(
          /^ioctl\(\d+, TIOCGWINSZ, \{ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0\}\) = 0$/,
        ),
      );
      expect(unpadded).toContain('prlimit64(0, RLIMIT_CORE, {rlim_cur=0, rlim_max=4*1024}, NULL) = 0');
      expect(unpadded).toContain('prlimit64(0, RLIMIT_CORE, NULL, {rlim_cur=0, rlim_max=4*1024}) = 0');
    },
  );

  kernelIt('decodes the stat, timespec and pipe fds the kernel filled, as strace does', async () => {
    const script = [
      'import os, time',
      `os.stat(${JSON.stringify(present)})`,
      'r, w = os.pipe()',
      'time.clock_gettime(time.CLOCK_PROCESS_CPUTIME_ID)',
      'import resource',
      'resource.getrlimit(resource.RLIMIT_NOFILE)',
    ].join('\n');
    const { lines } = await strace({
      command: ['python3', '-c', script],
      trace: 'trace=newfstatat,pipe2,clock_gettime,prlimit64',
    });
    // strace prints whole KiB limits above 1024 as N*1024.
    const lim = (v: string) => (Number(v) > 1024 && Number(v) % 1024 === 0 ? `${Number(v) / 1024}*1024` : v);
    const [soft, hard] = execFileSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(lim);
    expect(lines).toContain(`prlimit64(0, RLIMIT_NOFILE, NULL, {rlim_cur=${soft}, rlim_max=${hard}}) = 0`);
    expect(lines).toContainEqual(expect.stringMatching(/^pipe2\(\[(\d+), (\d+)\], O_CLOEXEC\) += 0$/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^clock_gettime\(CLOCK_PROCESS_CPUTIME_ID, \{tv_sec=\d+, tv_nsec=\d+\}\) += 0$/),
    );
  });

  kernelIt('shows a path from a page the process had not touched before the call', async () => {
    // The path lives in a fresh file mapping: it is not in the page tables at entry (where a BPF
    // read cannot fault it in), only once openat itself has read it.
    const pathFile = join(dir, 'path-page.bin');
    writeFileSync(pathFile, Buffer.concat([Buffer.from(`${present}\0`), Buffer.alloc(4096)]));
    const script = [
      'import ctypes, mmap, os',
      `fd = os.open(${JSON.stringify(pathFile)}, os.O_RDONLY)`,
      'm = mmap.mmap(fd, 4096, mmap.MAP_PRIVATE, mmap.PROT_READ | mmap.PROT_WRITE)',
      'addr = ctypes.addressof(ctypes.c_char.from_buffer(m))',
      'libc = ctypes.CDLL(None, use_errno=True)',
      'libc.openat.restype = ctypes.c_int',
      'print(libc.openat(-100, ctypes.c_void_p(addr), 0))',
    ].join('\n');
    const { lines } = await strace({ command: ['python3', '-c', script], trace: 'trace=openat' });
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^openat\\(AT_FDCWD, "${present}", O_RDONLY\\) += \\d+$`)),
    );
  });

  kernelIt('prints the -c table with counts of known calls', async () => {
    const { lines } = await strace({
      command: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1', 'count=3000'],
      summary: true,
    });
    expect(lines[0]).toBe('% time     seconds  usecs/call     calls    errors syscall');
    const row = (name: string) => lines.find((l) => l.endsWith(` ${name}`));
    const calls = (name: string) => Number(row(name)?.trim().split(/\s+/)[3]);
    expect(calls('read')).toBeGreaterThanOrEqual(3000);
    expect(calls('write')).toBeGreaterThanOrEqual(3000);
    expect(row('total')).toMatch(/^100\.00 /);
  });

  kernelIt(
    'counts with -c exactly the calls the trace prints, from the exec on, without exit_group',
    async () => {
      const command = ['cat', present, missing];
      const { lines: trace } = await strace({ command });
      const { lines } = await strace({ command, summary: true });
      const printed = new Map<string, number>();
      for (const l of trace) {
        const name = /^([a-z0-9_]+)\(/.exec(l)?.[1];
        if (name && name !== 'exit_group') printed.set(name, (printed.get(name) ?? 0) + 1);
      }
      const counted = new Map<string, number>();
      for (const l of lines.slice(2, -2)) {
        const f = l.trim().split(/\s+/);
        counted.set(f.at(-1)!, Number(f[3]));
      }
      expect(counted).toEqual(printed);
      expect(counted.get('execve')).toBe(1);
    },
  );

  kernelIt('attaches to a running process with -p and ends when it exits', async () => {
    const child = spawn(
      'python3',
      [
        '-c',
        `import os, sys\nsys.stdin.readline()\nos.close(os.open(${JSON.stringify(present)}, os.O_RDONLY))`,
      ],
      {
        stdio: ['pipe', 'ignore', 'inherit'],
      },
    );
    const { lines } = await strace({ pid: child.pid!, ready: () => child.stdin!.end('go\n') });
    expect(lines.some((l) => l.startsWith(`openat(AT_FDCWD, "${present}", O_RDONLY|O_CLOEXEC) = `))).toBe(
      true,
    );
    expect(lines.some((l) => /^read\(0, "go\\n", \d+\) += 3$/.test(l))).toBe(true);
    expect(lines.at(-2)).toMatch(/^exit_group\(0\) += \?$/);
    expect(lines.at(-1)).toBe('+++ exited with 0 +++');
  });

  kernelIt('prints one JSON object per syscall with --json', async () => {
    const { lines } = await strace({ command: ['cat', missing], json: true, trace: 'openat' });
    const objs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs).toContainEqual(
      expect.objectContaining({
        syscall: 'openat',
        call: `openat(AT_FDCWD, "${missing}", O_RDONLY)`,
        ret: '-1 ENOENT (No such file or directory)',
      }),
    );
    expect(objs.every((o) => o.syscall === 'openat' && typeof o.pid === 'number')).toBe(true);
  });

  kernelIt('shows the failed execve of a command that cannot run', async () => {
    const { result, lines } = await strace({ command: [present], strSize: 128 });
    expect(result.exitCode).toBe(126);
    expect(lines[0]).toMatch(
      new RegExp(`^execve\\("${present}", \\["${present}"\\], .*\\) = -1 EACCES \\(Permission denied\\)$`),
    );
    expect(lines.at(-1)).toBe('+++ exited with 126 +++');
  });
  kernelIt('prints the struct statx that stat(1) gets, as strace abbreviates it', async () => {
    const { lines } = await strace({ command: ['stat', dir], trace: 'trace=statx' });
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^statx\\(AT_FDCWD, "${dir}", AT_STATX_SYNC_AS_STAT\\|AT_SYMLINK_NOFOLLOW\\|AT_NO_AUTOMOUNT, STATX_ALL, \\{stx_mask=STATX_ALL(\\|STATX_\\w+)*, stx_attributes=0, stx_mode=S_IFDIR\\|0700, stx_size=\\d+, \\.\\.\\.\\}\\) += 0$`,
        ),
      ),
    );
    const failed = await strace({ command: ['stat', missing], trace: 'trace=statx' });
    expect(failed.lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^statx\\(AT_FDCWD, "${missing}", .*, STATX_ALL, 0x[0-9a-f]+\\) += -1 ENOENT `),
      ),
    );
  });

  kernelIt('counts the entries getdents64 returned, as strace prints them', async () => {
    const listed = join(dir, 'listed');
    mkdirSync(listed);
    for (let i = 0; i < 7; i++) writeFileSync(join(listed, `entry-${i}`), '');
    const { lines } = await strace({ command: ['ls', listed], trace: 'trace=getdents64' });
    const calls = lines.filter((l) => l.startsWith('getdents64('));
    // Seven files, `.` and `..`, then the empty read that ends the directory.
    expect(calls[0]).toMatch(/^getdents64\(3, 0x[0-9a-f]+ \/\* 9 entries \*\/, \d+\) += \d+$/);
    expect(calls[1]).toMatch(/^getdents64\(3, 0x[0-9a-f]+ \/\* 0 entries \*\/, \d+\) += 0$/);
  });

  kernelIt('prints getrandom bytes in hex, cut at -s', async () => {
    const script = [
      'import os, sys',
      'a = os.getrandom(8, os.GRND_NONBLOCK)',
      'b = os.getrandom(40)',
      'open(sys.argv[1], "w").write(a.hex() + " " + b.hex())',
    ].join('\n');
    const printed = join(dir, 'random.txt');
    const { lines } = await strace({ command: ['python3', '-c', script, printed], trace: 'trace=getrandom' });
    const [a, b] = readFileSync(printed, 'utf8').split(' ');
    const hex = (h: string) => h.replace(/../g, (x) => `\\x${x}`);
    expect(lines).toContain(`getrandom("${hex(a!)}", 8, GRND_NONBLOCK) = 8`);
    expect(lines).toContain(`getrandom("${hex(b!.slice(0, 64))}"..., 40, 0) = 40`);
  });

  kernelIt('prints paths longer than the per-thread room whole, before and without a struct', async () => {
    // A 1000-byte path: ten 99-byte directories.
    let deep = dir;
    while (deep.length < 1000) deep = join(deep, 'd'.repeat(Math.min(99, 1000 - deep.length - 1)));
    mkdirSync(deep, { recursive: true });
    expect(deep.length).toBe(1000);
    const file = join(deep, 'f');
    writeFileSync(file, 'x');
    const script = `import os, sys\nos.stat(sys.argv[1])\nos.close(os.open(sys.argv[2], os.O_RDONLY))`;
    const { lines } = await strace({
      command: ['python3', '-c', script, deep, file],
      trace: 'trace=newfstatat,openat',
    });
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^newfstatat\\(AT_FDCWD, "${deep}", \\{st_mode=S_IFDIR\\|0\\d{3}, st_size=\\d+, \\.\\.\\.\\}, 0\\) += 0$`,
        ),
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^openat\\(AT_FDCWD, "${file}", O_RDONLY\\|O_CLOEXEC\\) += \\d+$`)),
    );
  });
  kernelIt('splits a call other threads print during, as strace -f -r does', async () => {
    // A thread blocks in read on a pipe; the main thread sleeps 50 ms, then writes to the pipe.
    const script = [
      'import os, threading, time',
      'r, w = os.pipe()',
      't = threading.Thread(target=lambda: os.read(r, 10))',
      't.start()',
      'time.sleep(0.05)',
      'os.umask(0o22)',
      'os.write(w, b"hi")',
      't.join()',
    ].join('\n');
    const { lines } = await strace({
      command: ['python3', '-c', script],
      follow: true,
      timestamps: { absolute: 0, relative: true },
      trace: 'trace=read,write,umask,clone3',
    });
    // The thread starts with clone3, its clone_args and the tid it wrote back shown.
    const clone = lines.filter((l) => l.includes('clone3')).join('\n');
    expect(clone).toMatch(
      /clone3\(\{flags=CLONE_VM\|CLONE_FS\|.*CLONE_THREAD.*, exit_signal=0, stack=0x[0-9a-f]+, /,
    );
    expect(clone).toMatch(/ => \{parent_tid=\[\d+\]\}, 88\) += \d+$/m);
    const resumed = lines.findIndex((l) => /\] +\d+\.\d{6} <\.\.\. read resumed>"hi", 10\) += 2$/.test(l));
    expect(resumed, lines.join('\n')).toBeGreaterThan(0);
    const tid = /^\[pid +(\d+)\]/.exec(lines[resumed]!)![1];
    const before = lines.slice(0, resumed);
    const unfinished = before.findLastIndex((l) =>
      new RegExp(`^\\[pid +${tid}\\] +\\d+\\.\\d{6} read\\(\\d+,  <unfinished \\.\\.\\.>$`).test(l),
    );
    const umask = before.findLastIndex((l) => /\] +\d+\.\d{6} umask\(022\) +=/.test(l));
    expect(unfinished, lines.join('\n')).toBeGreaterThanOrEqual(0);
    expect(umask).toBeGreaterThan(unfinished);
    const rel = (i: number) => Number(/^\[pid +\d+\] +(\d+\.\d{6}) /.exec(lines[i]!)![1]);
    // The main thread's 50 ms sleep falls between the read's entry and umask; the resumed line is
    // stamped at the read's end, after the write, not clamped to zero as an entry time would be.
    expect(rel(umask), lines.join('\n')).toBeGreaterThanOrEqual(0.04);
    expect(rel(resumed)).toBeGreaterThan(0);
  });
});
