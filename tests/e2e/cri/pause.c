// The pod sandbox's only process for tests/e2e/cri_test.sh: holds the pod's
// namespaces until containerd stops it (SIGTERM or SIGINT), then exits 0.
#include <signal.h>
#include <unistd.h>

static void Quit(int sig) {
  (void)sig;
  _exit(0);
}

int main(void) {
  signal(SIGTERM, Quit);
  signal(SIGINT, Quit);
  for (;;) pause();
}
