// Wiring only: flags, logging, and the layers put together. (Filled in as the
// layers land.)
#include <cstdio>

int main() {
  std::printf("hostnic %s\n", HOSTNIC_VERSION);
  return 0;
}
