// How an engine hands xconv its own threads (xconv_run_args.parallel_for):
// a minimal pthread-style pool, written as an engine would, and a serial
// loop. The OpenMP version is three lines (test_engine_openmp.cc).
#ifndef XCONV_TESTS_ENGINE_EXAMPLES_H_
#define XCONV_TESTS_ENGINE_EXAMPLES_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

#include "xconv/xconv.h"

namespace xconv::test {

// Fixed workers that sleep on a condition variable; a parallel_for hands
// them indices from a counter and waits until all are done.
class EnginePool {
 public:
  explicit EnginePool(int workers) {
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }
  ~EnginePool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

  // The xconv_parallel_for_fn: pool_context is the EnginePool.
  static void parallel_for(void* pool, size_t count, xconv_task_fn task, void* context) {
    static_cast<EnginePool*>(pool)->run(count, task, context);
  }
  // One after the other on the caller's thread: also a valid parallel-for.
  static void serial_for(void*, size_t count, xconv_task_fn task, void* context) {
    for (size_t i = 0; i < count; ++i) task(context, i);
  }

  size_t jobs_run() const { return jobs_run_.load(); }

 private:
  void run(size_t count, xconv_task_fn task, void* context) {
    std::unique_lock<std::mutex> lock(mutex_);
    task_ = task, context_ = context, count_ = count, next_ = 0, done_ = 0;
    ++generation_;
    wake_.notify_all();
    finished_.wait(lock, [&] { return done_ == count_; });
  }
  void work() {
    unsigned seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      while (next_ < count_) {
        const size_t i = next_++;
        lock.unlock();
        task_(context_, i);
        ++jobs_run_;
        lock.lock();
        if (++done_ == count_) finished_.notify_all();
      }
    }
  }

  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  xconv_task_fn task_ = nullptr;
  void* context_ = nullptr;
  size_t count_ = 0, next_ = 0, done_ = 0;
  unsigned generation_ = 0;
  bool stop_ = false;
  std::atomic<size_t> jobs_run_{0};
};

}  // namespace xconv::test

#endif  // XCONV_TESTS_ENGINE_EXAMPLES_H_
