/* A workload with one semaphore-guarded USDT probe, bktest:guarded(i, n * 100 + i), written without
 * <sys/sdt.h>: the .note.stapsdt entry and the .probes semaphore are emitted by hand as sdt.h does.
 * The guarded code (the probe and its argument computation) runs only while a tracer has raised the
 * semaphore; the program says how often it ran. bk_callback is called through a pointer so a uprobe
 * can print usym(arg0). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__extension__ unsigned short bktest_guarded_semaphore __attribute__((unused, section(".probes")));

#define BK_PROBE2(a0, a1)                                                                           \
  __asm__ __volatile__("990: nop\n"                                                                 \
                       ".pushsection .note.stapsdt,\"?\",\"note\"\n"                                \
                       ".balign 4\n"                                                                \
                       ".4byte 992f-991f, 994f-993f, 3\n"                                           \
                       "991: .asciz \"stapsdt\"\n"                                                  \
                       "992: .balign 4\n"                                                           \
                       "993: .8byte 990b\n"                                                         \
                       ".8byte _.stapsdt.base\n"                                                    \
                       ".8byte bktest_guarded_semaphore\n"                                          \
                       ".asciz \"bktest\"\n"                                                        \
                       ".asciz \"guarded\"\n"                                                       \
                       ".asciz \"-4@%[x0] 8@%[x1]\"\n"                                              \
                       "994: .balign 4\n"                                                           \
                       ".popsection\n"                                                              \
                       ".ifndef _.stapsdt.base\n"                                                   \
                       ".pushsection .stapsdt.base,\"aG\",\"progbits\",.stapsdt.base,comdat\n"      \
                       ".weak _.stapsdt.base\n"                                                     \
                       ".hidden _.stapsdt.base\n"                                                   \
                       "_.stapsdt.base: .space 1\n"                                                 \
                       ".size _.stapsdt.base, 1\n"                                                  \
                       ".popsection\n"                                                              \
                       ".endif\n" ::[x0] "r"(a0),                                                   \
                       [x1] "r"(a1))

__attribute__((noinline)) int bk_callback(int i) { return i + 1; }

__attribute__((noinline)) int bk_call(int (*fn)(int), int i) { return fn(i); }

/* Usage: bksema [N [BEFORE_MS|wait [AFTER_MS]]]: N probe sites hit, with optional pauses before and
 * after; "wait" holds the loop until a line arrives on stdin (a tracer attaches meanwhile). */
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 3;
  int ran = 0;
  /* A pause before lets a tracer read /proc/PID/maps while the process lives, before it acts. */
  if (argc > 2 && argv[2][0] == 'w') {
    char line[8];
    if (!fgets(line, sizeof line, stdin)) return 1;
  } else if (argc > 2) {
    usleep(atoi(argv[2]) * 1000);
  }
  for (int i = 0; i < n; i++) {
    if (*(volatile unsigned short *)&bktest_guarded_semaphore) {
      ran++;
      BK_PROBE2(i, (long)n * 100 + i);
    }
    bk_call(bk_callback, i);
  }
  printf("guarded code ran %d of %d times\n", ran, n);
  fflush(stdout);
  /* A pause after keeps the process (and its /proc/PID/maps) alive after the probes fired. */
  if (argc > 3) usleep(atoi(argv[3]) * 1000);
  return 0;
}
