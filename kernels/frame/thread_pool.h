// A small pool: the calling thread plus workers take jobs from a shared
// counter until none are left. Between runs the workers spin briefly, then
// sleep, so an idle pool costs no CPU.
//
// The process has one pool (shared_pool()) that every plan runs on: it is
// created at the first multi-threaded run, sized by the CPU affinity mask,
// and grows only when a plan asks for more threads than it has. Plans own
// no threads (60 plans hold the pool's threads, not 60 pools).
//
// The pool serves one run at a time: a run that finds it busy does all its
// jobs on its own thread. Results do not change, because tasks split output
// tiles only, never K.
#ifndef XCONV_KERNELS_FRAME_THREAD_POOL_H_
#define XCONV_KERNELS_FRAME_THREAD_POOL_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

namespace xconv {

class ThreadPool {
 public:
  // Job callback: (context, job index, slot) where slot < threads() names the
  // thread that runs it (0 is the caller). A plain function pointer, so that
  // starting a run never allocates.
  using Job = void (*)(void* context, size_t job, int slot);

  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return workers_count_.load(std::memory_order_acquire) + 1; }

  // Adds workers until the pool has `threads` threads (caller included).
  // Returns false if a thread could not be started (the pool keeps those it has).
  bool grow(int threads);

  // Runs job(context, i, slot) for every i in [0, count), on at most
  // `max_threads` threads of the pool. Returns how many threads took part:
  // 1 when the pool was busy with another run (all jobs ran here).
  int run(size_t count, int max_threads, Job job, void* context);

  // The same for a callable f(job, slot), which must outlive the call.
  template <class F>
  int run(size_t count, const F& f) {
    return run(count, threads(), [](void* c, size_t i, int slot) { (*static_cast<const F*>(c))(i, slot); },
               const_cast<F*>(&f));
  }

 private:
  void worker_loop(int slot, unsigned seen);
  void take_jobs(int slot);

  std::vector<std::thread> workers_;
  std::atomic<int> workers_count_{0};
  std::mutex run_mutex_;  // held for a whole run (and while growing): one run uses the workers at a time

  // A run publishes job_, context_, count_ and active_ (the slots that take
  // part), then bumps generation_; workers spin on it for a moment
  // (thread_pool.cc, kSpins) before sleeping on wake_, and the caller
  // likewise spins on busy_workers_ before sleeping on done_.
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  Job job_ = nullptr;
  void* context_ = nullptr;
  size_t count_ = 0;
  int active_ = 0;
  std::atomic<size_t> next_{0};
  std::atomic<unsigned> generation_{0};
  std::atomic<int> busy_workers_{0};
  std::atomic<bool> stop_{false};
};

// The process's pool, created on first use with affinity_threads() threads
// and grown to at least `threads`. After fork() the child starts a new one
// (the parent's workers do not exist there). NULL only if it could not be
// created at all.
ThreadPool* shared_pool(int threads);

// Threads the process may run on: the CPU affinity mask's count (taskset,
// cgroups' cpusets), at least 1.
int affinity_threads();

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_THREAD_POOL_H_
