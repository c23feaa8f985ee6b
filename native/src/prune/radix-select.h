// Radix selection of the k-th largest key of a float array, in O(n): a parallel 11-bit histogram pass over
// the whole array, then two histogram passes over the (usually few) candidates left in the chosen bucket.
// Keys are unsigned integers whose order is the order wanted:
//   kAbs     |x| (the float bits with the sign cleared): -x and +x tie, so do -0 and +0
//   kSigned  x itself (sign-magnitude bits mapped to an increasing unsigned code; -0 is mapped to +0)
// NaN has no place in either order and is reported instead of selected.
#pragma once
#include <cstdint>
#include <cstring>
#include <vector>

#include "amc/status.h"

namespace amc::prune {

enum class KeyKind { kAbs, kSigned };

inline uint32_t FloatBits(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof(bits));
  return bits;
}

inline bool IsNanBits(uint32_t bits) { return (bits & 0x7fffffffu) > 0x7f800000u; }

inline uint32_t AbsKey(uint32_t bits) { return bits & 0x7fffffffu; }

inline uint32_t SignedKey(uint32_t bits) {
  if ((bits & 0x7fffffffu) == 0) return 0x80000000u;  // -0 and +0 are equal values
  return (bits & 0x80000000u) != 0 ? ~bits : (bits | 0x80000000u);
}

inline uint32_t Key(KeyKind kind, uint32_t bits) { return kind == KeyKind::kAbs ? AbsKey(bits) : SignedKey(bits); }

// Contiguous index ranges [Begin(t), Begin(t + 1)) used by every pass of one selection, so that per-range
// counts of one pass line up with the ranges of the next.
struct Ranges {
  int64_t n = 0;
  int64_t count = 1;
  int64_t Begin(int64_t t) const { return n * t / count; }
};
Ranges SplitRanges(int64_t n);

struct SelectResult {
  uint32_t key = 0;     // the k-th largest key
  int64_t greater = 0;  // entries whose key is larger
  int64_t equal = 0;    // entries whose key equals it (greater < k <= greater + equal)
};

// Selects the k-th largest key of v[0, n), 1 <= k <= n. A NaN fails with kNonFinite naming `op`, `arg` and the
// lowest NaN index.
Status SelectKth(const float* v, int64_t n, int64_t k, KeyKind kind, const Ranges& ranges, const char* op,
                 const char* arg, SelectResult* result);

// Per-range budget of ties (entries with key == sel.key) to keep so that exactly k entries are kept and
// lower indices win: budget[t] for each range t. Counts ties per range only when some must be dropped.
std::vector<int64_t> TieBudgets(const float* v, int64_t k, KeyKind kind, const Ranges& ranges,
                                const SelectResult& sel);

}  // namespace amc::prune
