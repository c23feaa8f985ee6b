#include "amc/thread-pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace amc {
namespace {

thread_local bool t_inside_pool_task = false;

// How long an idle worker polls for the next job, and the submitter for the last task, before blocking on a
// condition variable. A futex wake-up costs tens of microseconds on a VM, as much as a whole small kernel call;
// a short poll keeps back-to-back calls (a network's layers) from paying it every time.
constexpr auto kSpin = std::chrono::microseconds(100);

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

template <typename Done>
bool SpinUntil(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (int i = 0;; ++i) {
    if (done()) return true;
    CpuRelax();
    if ((i & 63) == 63 && std::chrono::steady_clock::now() > deadline) return false;
  }
}

class Pool {
 public:
  explicit Pool(int threads) { Start(threads); }
  ~Pool() { Stop(); }

  int size() const { return size_; }

  void Resize(int threads) {
    std::lock_guard<std::mutex> submit(submit_mutex_);
    Stop();
    Start(threads);
  }

  void Run(int64_t count, const std::function<void(int64_t)>& fn) {
    if (count <= 0) return;
    if (t_inside_pool_task || size_ <= 1 || count == 1) {
      for (int64_t i = 0; i < count; ++i) fn(i);
      return;
    }
    std::lock_guard<std::mutex> submit(submit_mutex_);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      fn_ = &fn;
      count_ = count;
      next_.store(0, std::memory_order_relaxed);
      done_.store(0, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    Work(&fn, count);
    SpinUntil([&] { return done_.load(std::memory_order_acquire) == count; });
    std::unique_lock<std::mutex> lock(mutex_);
    // Waiting for active_ == 0 as well guarantees no worker still holds this job's fn when we return.
    finished_.wait(lock, [&] { return done_.load(std::memory_order_acquire) == count_ && active_ == 0; });
    fn_ = nullptr;
  }

 private:
  void Start(int threads) {
    size_ = threads;
    stopping_ = false;
    for (int i = 1; i < threads; ++i) {
      workers_.emplace_back([this] { WorkerLoop(); });
    }
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  // Claims tasks until none are left. Every finished task is counted; the last one wakes the submitter.
  void Work(const std::function<void(int64_t)>* fn, int64_t count) {
    t_inside_pool_task = true;
    for (;;) {
      int64_t task = next_.fetch_add(1, std::memory_order_relaxed);
      if (task >= count) break;
      (*fn)(task);
      if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == count) {
        std::lock_guard<std::mutex> lock(mutex_);
        finished_.notify_all();
      }
    }
    t_inside_pool_task = false;
  }

  void WorkerLoop() {
    uint64_t seen = 0;
    for (;;) {
      const std::function<void(int64_t)>* fn;
      int64_t count;
      SpinUntil([&] { return generation_.load(std::memory_order_acquire) != seen; });
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || generation_.load(std::memory_order_relaxed) != seen; });
        if (stopping_) return;
        seen = generation_.load(std::memory_order_relaxed);
        if (fn_ == nullptr) continue;
        fn = fn_;
        count = count_;
        ++active_;
      }
      Work(fn, count);
      std::lock_guard<std::mutex> lock(mutex_);
      if (--active_ == 0) finished_.notify_all();
    }
  }

  int size_ = 1;
  bool stopping_ = false;
  std::atomic<uint64_t> generation_{0};
  const std::function<void(int64_t)>* fn_ = nullptr;
  int64_t count_ = 0;
  int active_ = 0;
  std::atomic<int64_t> next_{0};
  std::atomic<int64_t> done_{0};
  std::mutex mutex_;
  std::mutex submit_mutex_;
  std::condition_variable wake_;
  std::condition_variable finished_;
  std::vector<std::thread> workers_;
};

int DefaultThreads() {
  const char* env = std::getenv("AMC_NUM_THREADS");
  if (env != nullptr) {
    char* end = nullptr;
    long n = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && n >= 1 && n <= 256) return static_cast<int>(n);
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

std::mutex g_pool_mutex;
Pool& GlobalPool() {
  // Leaked on purpose: joining threads during static destruction at process exit can deadlock.
  static Pool* pool = new Pool(DefaultThreads());
  return *pool;
}

}  // namespace

void ParallelFor(int64_t count, const std::function<void(int64_t)>& fn) { GlobalPool().Run(count, fn); }

int NumThreads() { return GlobalPool().size(); }

bool SetNumThreads(int n) {
  if (n < 1 || n > 256) return false;
  std::lock_guard<std::mutex> lock(g_pool_mutex);
  if (GlobalPool().size() != n) GlobalPool().Resize(n);
  return true;
}

}  // namespace amc
