/* exit-thread: ends a worker thread with pthread_exit, as thread pools do. glibc unwinds the
 * thread's stack with libgcc_s.so.1's unwinder and dlopens it on first use. */
#include <pthread.h>
#include <stdio.h>

static void *worker(void *arg) {
  (void)arg;
  pthread_exit(NULL);
}

int main(void) {
  pthread_t thread;
  if (pthread_create(&thread, NULL, worker, NULL) != 0) return 1;
  pthread_join(thread, NULL);
  puts("worker exited");
  return 0;
}
