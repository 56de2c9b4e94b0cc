#include <gtest/gtest.h>

#include <csignal>

int main(int argc, char** argv) {
  // As the real binary (proxy/main.cc): hiredis writes with write(2), and a server that goes
  // away under it must be an error code, not a signal.
  std::signal(SIGPIPE, SIG_IGN);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
