import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { kernelIt } from '../../testing/kernel.js';
import { hasGcc, useSemaphoreWorkload } from '../../testing/usdt-semaphore.js';
import { listScriptProbes, run } from './run.js';

// libstdc++'s SDT probes (libstdcxx:throw `8@%rdi 8@%rsi`, libstdcxx:catch `8@%rdx 8@-80(%rbx)`)
// fire from a tiny C++ workload that throws and catches a known number of times.
const LIB = '/usr/lib/x86_64-linux-gnu/libstdc++.so.6';
const hasGxx = (() => {
  try {
    execFileSync('g++', ['--version'], { stdio: 'ignore' });
    return existsSync(LIB);
  } catch {
    return false;
  }
})();
let dir = '';
let prog = '';

beforeAll(() => {
  if (!hasGxx) return;
  dir = mkdtempSync(join(tmpdir(), 'bpfkit-usdt-'));
  writeFileSync(
    join(dir, 'throw.cc'),
    '#include <stdexcept>\nint main(int argc, char**) { for (int i = 0; i < argc + 2; i++) { try { throw std::runtime_error("x"); } catch (const std::exception&) {} } }\n',
  );
  prog = join(dir, 'bkthrow');
  execFileSync('g++', ['-O1', '-o', prog, join(dir, 'throw.cc')]);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// A C workload whose probe bktest:guarded(i, n*100+i) sits behind a semaphore (hand-written SDT
// note, so <sys/sdt.h> is not needed); it prints how often the guarded code ran.
const sema = useSemaphoreWorkload();

async function trace(text: string, command: string): Promise<string> {
  let out = '';
  const code = await run({
    text,
    file: '-e',
    command,
    write: (s) => (out += s),
    writeErr: (s) => (out += s),
  });
  expect(code).toBe(0);
  return out;
}

describe.skipIf(!hasGxx)('usdt probes', () => {
  kernelIt('fire once per throw of the -c command, with register and memory arguments', async () => {
    const out = await trace(
      `usdt:${LIB}:libstdcxx:throw /pid == cpid/ { @throws = count(); @tinfo = arg1; }
       usdt:${LIB}:catch /pid == cpid/ { @catches = count(); @same = (arg1 == @tinfo); }`,
      `${prog} a b c`,
    );
    // argc is 4, so the workload throws and catches 6 times.
    expect(out).toContain('@throws: 6');
    expect(out).toContain('@catches: 6');
    // catch reads its type_info from memory (-80(%rbx)); throw has it in %rsi: the same object.
    expect(out).toContain('@same: 1');
  });

  kernelIt('a probe name that matches nothing is an error naming the binary', async () => {
    await expect(trace(`usdt:${LIB}:nosuchprobe { exit(); }`, '/bin/true')).rejects.toThrow(
      /no usdt probe in .*libstdc\+\+.* matches 'nosuchprobe'/,
    );
  });

  kernelIt('-l lists the probes of a binary', async () => {
    const names = await listScriptProbes(`usdt:${LIB}:*`);
    expect(names).toContain(`usdt:${LIB}:libstdcxx:throw`);
    expect(names).toContain(`usdt:${LIB}:libstdcxx:catch`);
  });
});

describe.skipIf(!hasGcc)('usdt probes behind a semaphore (gcc builds the workload)', () => {
  kernelIt('the guarded code runs only while traced, and the probe fires with its arguments', async () => {
    expect(execFileSync(sema(), ['3'], { encoding: 'utf8' })).toBe('guarded code ran 0 of 3 times\n');
    const out = await trace(
      `usdt:${sema()}:bktest:guarded { printf("guarded %d %d\\n", arg0, arg1); @n = count(); }`,
      `${sema()} 3`,
    );
    // The workload's own stdout is inherited, so it is not in `out`; the probe firing at all means
    // the kernel raised the semaphore (the probe sits inside the guarded block).
    expect(out).toContain('guarded 0 300\n');
    expect(out).toContain('guarded 1 301\n');
    expect(out).toContain('guarded 2 302\n');
    expect(out).toContain('@n: 3');
  });
});

describe.skipIf(!hasGcc)('usym of a -c command (gcc builds the workload)', () => {
  const script = () => `uprobe:${sema()}:bk_call { printf("%s %s\\n", usym(reg("ip")), usym(arg0)); }`;

  kernelIt('names the probed function and a function-pointer argument while the process lives', async () => {
    // 2 calls, then a 500 ms pause: the records are read before the process exits.
    const out = await trace(script(), `${sema()} 2 0 500`);
    expect(out.split('\n').filter((l) => l === 'bk_call bk_callback')).toHaveLength(2);
  });

  kernelIt('still names them when the command exits right after the calls', async () => {
    // A 500 ms pause first (ticks keep the maps meanwhile), then 2 calls and exit: only the maps kept for the -c target resolve them.
    const out = await trace(script(), `${sema()} 2 500`);
    expect(out.split('\n').filter((l) => l === 'bk_call bk_callback')).toHaveLength(2);
  });
});

describe.skipIf(!hasGcc)('usdt semaphores with -p (gcc builds the workload)', () => {
  kernelIt('raise the semaphore in the traced process only', async () => {
    // Two copies wait for a line on stdin before their loop; only the one given as -p is traced.
    const start = () => {
      let stdout = '';
      const proc = execFile(sema(), ['3', 'wait'], (_err, out) => {
        stdout = out;
      });
      const exited = new Promise<void>((r) => proc.on('close', () => r()));
      return { proc, exited, out: () => stdout };
    };
    const traced = start();
    const other = start();
    const ac = new AbortController();
    let out = '';
    let attached!: () => void;
    const ready = new Promise<void>((r) => {
      attached = r;
    });
    const done = run({
      text: `usdt:${sema()}:bktest:guarded { printf("pid %d arg1 %d\\n", pid, arg1); }`,
      file: '-e',
      pid: traced.proc.pid!,
      write: (s) => (out += s),
      writeErr: (s) => (out += s),
      signal: ac.signal,
      onAttached: attached,
    });
    await Promise.race([ready, done]);
    for (const w of [traced, other]) w.proc.stdin!.end('go\n');
    await Promise.all([traced.exited, other.exited]);
    ac.abort();
    expect(await done).toBe(0);
    expect(traced.out()).toBe('guarded code ran 3 of 3 times\n');
    expect(other.out()).toBe('guarded code ran 0 of 3 times\n');
    for (const i of [0, 1, 2]) expect(out).toContain(`pid ${traced.proc.pid} arg1 ${300 + i}\n`);
    expect(out).not.toContain(`pid ${other.proc.pid} `);
  });
});
