// A small fixed pool: the calling thread plus (threads - 1) workers take
// tasks from a shared counter until none are left. Between runs the workers
// spin briefly, then sleep.
//
// One plan may be run by several threads at once, but the pool serves one run
// at a time: a run that finds it busy does all its tasks on its own thread.
// Results do not change, because tasks split output tiles only, never K.
#ifndef XCONV_KERNELS_FRAME_THREAD_POOL_H_
#define XCONV_KERNELS_FRAME_THREAD_POOL_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace xconv {

class ThreadPool {
 public:
  // Task callback: (task index, slot) where slot < threads() names the thread
  // (0 is the caller), so each thread can own a slice of the workspace.
  using Task = std::function<void(size_t task, int slot)>;

  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs task(i, slot) for every i in [0, count). Returns how many threads took
  // part: 1 when the pool was busy with another run (all tasks ran here).
  int run(size_t count, const Task& task);

 private:
  void worker_loop(int slot);
  void take_tasks(int slot);

  std::vector<std::thread> workers_;
  std::mutex run_mutex_;  // held for a whole run: one run uses the workers at a time

  // A run publishes task_ and count_, then bumps generation_; workers spin
  // on it for a moment (thread_pool.cc, kSpins) before sleeping on wake_,
  // and the caller likewise spins on busy_workers_ before sleeping on done_.
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const Task* task_ = nullptr;
  size_t count_ = 0;
  std::atomic<size_t> next_{0};
  std::atomic<unsigned> generation_{0};
  std::atomic<int> busy_workers_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_THREAD_POOL_H_
