#include "driver/serial_queue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace hostnic {
namespace {

using ::testing::ElementsAre;

TEST(SerialQueueTest, RunsTasksOneAtATimeInTheOrderPosted) {
  SerialQueue queue;
  std::vector<int> ran;  // Only the queue's thread touches it until Drain.
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(queue.Post([&ran, i] { ran.push_back(i); }));
  }
  queue.Drain();
  ASSERT_EQ(ran.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(ran[i], i);
}

TEST(SerialQueueTest, PostDoesNotWaitForARunningTask) {
  SerialQueue queue;
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  ASSERT_TRUE(queue.Post([&] {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return release; });
  }));
  bool second = false;
  ASSERT_TRUE(queue.Post([&] { second = true; }));  // Returns at once.
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  queue.Drain();
  EXPECT_TRUE(second);
}

TEST(SerialQueueTest, StopRunsWhatIsQueuedThenRefusesMore) {
  std::vector<int> ran;
  SerialQueue queue;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(queue.Post([&ran, i] { ran.push_back(i); }));
  }
  queue.Stop();
  EXPECT_THAT(ran, ElementsAre(0, 1, 2));
  EXPECT_FALSE(queue.Post([] {}));
  queue.Drain();  // Nothing pending: returns.
  queue.Stop();   // Idempotent.
}

}  // namespace
}  // namespace hostnic
