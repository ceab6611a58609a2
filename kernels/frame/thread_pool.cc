#include "kernels/frame/thread_pool.h"

namespace xconv {
namespace {

// Spin-wait iterations before a thread blocks: about a tenth of a
// millisecond, longer than a futex wake-up, short enough that idle workers
// soon sleep. Back-to-back runs (a network's layers) then start without
// waking anyone through the kernel.
constexpr int kSpins = 4000;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

// Spins until done() holds or the spin budget is spent; returns done().
template <class Done>
bool spin_until(Done done) {
  for (int i = 0; i < kSpins; ++i) {
    if (done()) return true;
    cpu_relax();
  }
  return done();
}

}  // namespace

ThreadPool::ThreadPool(int threads) {
  for (int slot = 1; slot < threads; ++slot) workers_.emplace_back([this, slot] { worker_loop(slot); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::take_tasks(int slot) {
  for (size_t i = next_.fetch_add(1); i < count_; i = next_.fetch_add(1)) (*task_)(i, slot);
}

void ThreadPool::worker_loop(int slot) {
  unsigned seen = 0;
  for (;;) {
    auto woken = [&] { return stop_.load() || generation_.load(std::memory_order_acquire) != seen; };
    if (!spin_until(woken)) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, woken);
    }
    if (stop_.load()) return;
    seen = generation_.load(std::memory_order_acquire);
    take_tasks(slot);
    if (busy_workers_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mutex_);
      done_.notify_one();
    }
  }
}

int ThreadPool::run(size_t count, const Task& task) {
  std::unique_lock<std::mutex> run_lock(run_mutex_, std::try_to_lock);
  if (workers_.empty() || count <= 1 || !run_lock.owns_lock()) {
    for (size_t i = 0; i < count; ++i) task(i, 0);
    return 1;
  }
  task_ = &task;
  count_ = count;
  next_.store(0);
  busy_workers_.store(static_cast<int>(workers_.size()));
  {
    // Under the lock, so that a worker between its last check and its wait
    // cannot miss the new generation; the release publishes the task.
    std::lock_guard<std::mutex> lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  take_tasks(0);
  auto finished = [&] { return busy_workers_.load(std::memory_order_acquire) == 0; };
  if (!spin_until(finished)) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, finished);
  }
  task_ = nullptr;
  return threads();
}

}  // namespace xconv
