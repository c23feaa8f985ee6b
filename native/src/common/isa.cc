#include "amc/isa.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace amc {
namespace {

bool Detect(Isa isa) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  switch (isa) {
    case Isa::kScalar: return true;
    case Isa::kAvx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::kAvx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }
  return false;
#else
  return isa == Isa::kScalar;
#endif
}

Isa InitialCap() {
  Isa best = DetectedIsa();
  const char* env = std::getenv("AMC_ISA");
  Isa requested;
  if (env != nullptr && ParseIsa(env, &requested) && IsaSupported(requested) &&
      static_cast<int>(requested) < static_cast<int>(best)) {
    return requested;
  }
  return best;
}

std::atomic<int>& CapStorage() {
  static std::atomic<int> cap{static_cast<int>(InitialCap())};
  return cap;
}

}  // namespace

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
  }
  return "unknown";
}

bool ParseIsa(const char* name, Isa* out) {
  if (name == nullptr) return false;
  for (int i = 0; i < kIsaCount; ++i) {
    if (std::strcmp(name, IsaName(static_cast<Isa>(i))) == 0) {
      *out = static_cast<Isa>(i);
      return true;
    }
  }
  return false;
}

bool IsaSupported(Isa isa) {
  static const bool supported[kIsaCount] = {Detect(Isa::kScalar), Detect(Isa::kAvx2), Detect(Isa::kAvx512)};
  int i = static_cast<int>(isa);
  return i >= 0 && i < kIsaCount && supported[i];
}

Isa DetectedIsa() {
  for (int i = kIsaCount - 1; i > 0; --i) {
    if (IsaSupported(static_cast<Isa>(i))) return static_cast<Isa>(i);
  }
  return Isa::kScalar;
}

Isa IsaCap() { return static_cast<Isa>(CapStorage().load(std::memory_order_relaxed)); }

bool SetIsaCap(Isa isa) {
  if (!IsaSupported(isa)) return false;
  CapStorage().store(static_cast<int>(isa), std::memory_order_relaxed);
  return true;
}

}  // namespace amc
