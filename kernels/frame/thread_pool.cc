#include "kernels/frame/thread_pool.h"

#include <algorithm>
#include <new>

#include <pthread.h>
#include <sched.h>

namespace xconv {
namespace {

// Spin-wait iterations before a thread blocks: about a tenth of a
// millisecond, longer than a futex wake-up, short enough that idle workers
// soon sleep. Back-to-back runs (a network's layers) then start without
// waking anyone through the kernel.
constexpr int kSpins = 4000;

// generation_ packs the run's serial number above the count of threads that
// take part in it, so that a worker reads both in one load.
constexpr unsigned kActiveBits = 16;
constexpr unsigned kActiveMask = (1u << kActiveBits) - 1;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

// Spins until done() holds or the spin budget is spent; returns done().
// It yields the CPU now and then (every 256 pauses, about 5 us here): on a
// machine whose other vCPU is taken away, the thread it waits for may be
// queued behind it on the same CPU. The seed layer on two threads, run
// back to back by xconv_demo: 9 processes of 12 took 0.10-0.25 ms a run
// without the yields, the others 0.02 ms; with them, 12 of 12 took
// 0.02-0.08 ms. Bench layers on two threads, A/B in alternating
// processes: unchanged (0.96-1.03x).
template <class Done>
bool spin_until(Done done) {
  for (int i = 0; i < kSpins; ++i) {
    if (done()) return true;
    cpu_relax();
    if (i % 256 == 255) sched_yield();
  }
  return done();
}

}  // namespace

ThreadPool::ThreadPool(int threads) { grow(threads); }

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

bool ThreadPool::grow(int threads) {
  std::lock_guard<std::mutex> run_lock(run_mutex_);
  while (static_cast<int>(workers_.size()) + 1 < threads) {
    const int slot = static_cast<int>(workers_.size()) + 1;
    // No run is in flight (we hold the run lock): the worker waits for the
    // generation after this one, even if it starts after that run is published.
    const unsigned current = generation_.load(std::memory_order_acquire);
    try {
      workers_.emplace_back([this, slot, current] { worker_loop(slot, current); });
    } catch (...) {  // std::system_error (no more threads) or std::bad_alloc
      return false;
    }
    workers_count_.store(static_cast<int>(workers_.size()), std::memory_order_release);
  }
  return true;
}

void ThreadPool::take_jobs(int slot) {
  for (size_t i = next_.fetch_add(1); i < count_; i = next_.fetch_add(1)) job_(context_, i, slot);
}

void ThreadPool::worker_loop(int slot, unsigned seen) {
  for (;;) {
    auto woken = [&] { return stop_.load() || generation_.load(std::memory_order_acquire) != seen; };
    if (!spin_until(woken)) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, woken);
    }
    if (stop_.load()) return;
    seen = generation_.load(std::memory_order_acquire);
    if (slot >= static_cast<int>(seen & kActiveMask)) continue;  // not needed in this run
    take_jobs(slot);
    if (busy_workers_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mutex_);
      done_.notify_one();
    }
  }
}

int ThreadPool::run(size_t count, int max_threads, Job job, void* context) {
  std::unique_lock<std::mutex> run_lock(run_mutex_, std::try_to_lock);
  const int active = std::min({max_threads, threads(), static_cast<int>(std::min<size_t>(count, kActiveMask))});
  if (active <= 1 || !run_lock.owns_lock()) {
    for (size_t i = 0; i < count; ++i) job(context, i, 0);
    return 1;
  }
  job_ = job;
  context_ = context;
  count_ = count;
  next_.store(0);
  busy_workers_.store(active - 1);
  {
    // Under the lock, so that a worker between its last check and its wait
    // cannot miss the new generation; the release publishes the job.
    std::lock_guard<std::mutex> lock(mutex_);
    const unsigned serial = (generation_.load(std::memory_order_relaxed) >> kActiveBits) + 1;
    generation_.store(serial << kActiveBits | static_cast<unsigned>(active), std::memory_order_release);
  }
  wake_.notify_all();
  take_jobs(0);
  auto finished = [&] { return busy_workers_.load(std::memory_order_acquire) == 0; };
  if (!spin_until(finished)) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, finished);
  }
  job_ = nullptr;
  return active;
}

int affinity_threads() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

namespace {

// The shared pool is never destroyed: workers may still be asleep in it when
// the process exits, and a destructor at exit would race with plans run
// from other static destructors. It stays reachable, so leak checkers are quiet.
std::mutex g_pool_mutex;
ThreadPool* g_pool = nullptr;

// fork() copies only the calling thread: in the child the pool's workers do
// not exist, so the child forgets the pool (leaking it: its mutexes may be
// held by threads that are gone) and starts its own at its first run.
void lock_before_fork() { g_pool_mutex.lock(); }
void unlock_in_parent() { g_pool_mutex.unlock(); }
void forget_in_child() {
  g_pool = nullptr;
  g_pool_mutex.unlock();
}

}  // namespace

ThreadPool* shared_pool(int threads) {
  static const bool registered = pthread_atfork(lock_before_fork, unlock_in_parent, forget_in_child) == 0;
  (void)registered;
  std::lock_guard<std::mutex> lock(g_pool_mutex);
  if (g_pool == nullptr) {
    g_pool = new (std::nothrow) ThreadPool(affinity_threads());
    if (g_pool == nullptr) return nullptr;
  }
  if (g_pool->threads() < threads) g_pool->grow(threads);
  return g_pool;
}

}  // namespace xconv
