/* cancel: starts a worker thread and cancels it, as a server stopping its workers would.
 * glibc's pthread_cancel needs libgcc_s.so.1 for the unwinding; it dlopens it on first use. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void *worker(void *arg) {
  (void)arg;
  for (;;) pause();
  return NULL;
}

int main(void) {
  pthread_t thread;
  if (pthread_create(&thread, NULL, worker, NULL) != 0) return 1;
  pthread_cancel(thread);
  pthread_join(thread, NULL);
  puts("worker cancelled");
  return 0;
}
