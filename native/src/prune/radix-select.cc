#include "prune/radix-select.h"

#include <algorithm>
#include <string>

#include "amc/thread-pool.h"

namespace amc::prune {
namespace {

constexpr int64_t kMinRange = 1 << 16;

// Digit layout: the first digit is the top 11 bits of the key, then 10 or 11, then the last 10.
struct Digit {
  int shift;
  int bits;
};
void Digits(KeyKind kind, Digit out[3]) {
  if (kind == KeyKind::kAbs) {  // 31 significant bits
    out[0] = {20, 11};
    out[1] = {10, 10};
    out[2] = {0, 10};
  } else {
    out[0] = {21, 11};
    out[1] = {10, 11};
    out[2] = {0, 10};
  }
}

// Histogram of the top digit over [begin, end). Four interleaved sub-histograms break the store-to-load
// chains of repeated buckets (real weights crowd into a few exponents); `hist` holds 4 x buckets counters.
template <KeyKind kKind>
int64_t HistogramRange(const float* v, int64_t begin, int64_t end, int shift, int64_t buckets, uint32_t* hist) {
  uint32_t* h0 = hist;
  uint32_t* h1 = hist + buckets;
  uint32_t* h2 = hist + 2 * buckets;
  uint32_t* h3 = hist + 3 * buckets;
  uint32_t nan = 0;
  auto key = [](uint32_t b) { return kKind == KeyKind::kAbs ? AbsKey(b) : SignedKey(b); };
  int64_t i = begin;
  for (; i + 4 <= end; i += 4) {
    const uint32_t b0 = FloatBits(v[i]), b1 = FloatBits(v[i + 1]), b2 = FloatBits(v[i + 2]), b3 = FloatBits(v[i + 3]);
    nan |= static_cast<uint32_t>(IsNanBits(b0)) | static_cast<uint32_t>(IsNanBits(b1)) |
           static_cast<uint32_t>(IsNanBits(b2)) | static_cast<uint32_t>(IsNanBits(b3));
    ++h0[key(b0) >> shift];
    ++h1[key(b1) >> shift];
    ++h2[key(b2) >> shift];
    ++h3[key(b3) >> shift];
  }
  for (; i < end; ++i) {
    const uint32_t b = FloatBits(v[i]);
    nan |= static_cast<uint32_t>(IsNanBits(b));
    ++h0[key(b) >> shift];
  }
  for (int64_t b = 0; b < buckets; ++b) h0[b] += h1[b] + h2[b] + h3[b];
  if (nan == 0) return -1;
  for (int64_t j = begin; j < end; ++j) {
    if (IsNanBits(FloatBits(v[j]))) return j;
  }
  return -1;
}

// Stores the keys of [begin, end) whose top digit is `bucket`, in order, at dst (which has one spare slot):
// branch-free, every key is stored and the cursor only advances on a match.
template <KeyKind kKind>
void GatherBucket(const float* v, int64_t begin, int64_t end, int shift, uint32_t bucket, uint32_t* dst) {
  for (int64_t i = begin; i < end; ++i) {
    const uint32_t b = FloatBits(v[i]);
    const uint32_t key = kKind == KeyKind::kAbs ? AbsKey(b) : SignedKey(b);
    *dst = key;
    dst += (key >> shift) == bucket;
  }
}

// Walks buckets from the top until the k-th largest falls in one; returns it and subtracts the larger ones.
int64_t FindBucket(const std::vector<int64_t>& total, int64_t* k, int64_t* greater) {
  for (int64_t b = static_cast<int64_t>(total.size()) - 1; b >= 0; --b) {
    if (total[b] >= *k) return b;
    *k -= total[b];
    *greater += total[b];
  }
  return 0;  // unreachable when 1 <= k <= n
}

}  // namespace

Ranges SplitRanges(int64_t n) {
  Ranges r;
  r.n = n;
  r.count = std::max<int64_t>(1, std::min<int64_t>(NumThreads(), n / kMinRange));
  return r;
}

Status SelectKth(const float* v, int64_t n, int64_t k, KeyKind kind, const Ranges& ranges, const char* op,
                 const char* arg, SelectResult* result) {
  Digit digits[3];
  Digits(kind, digits);
  const int64_t buckets0 = int64_t{1} << digits[0].bits;
  const int64_t tasks = ranges.count;
  // Per range: 4 sub-histograms, folded into the first by HistogramRange.
  std::vector<uint32_t> sub(static_cast<size_t>(tasks * 4 * buckets0), 0u);
  std::vector<int64_t> nan_at(static_cast<size_t>(tasks), -1);
  ParallelFor(tasks, [&](int64_t t) {
    uint32_t* h = sub.data() + t * 4 * buckets0;
    const int64_t b = ranges.Begin(t), e = ranges.Begin(t + 1);
    nan_at[t] = kind == KeyKind::kAbs
                    ? HistogramRange<KeyKind::kAbs>(v, b, e, digits[0].shift, buckets0, h)
                    : HistogramRange<KeyKind::kSigned>(v, b, e, digits[0].shift, buckets0, h);
  });
  std::vector<uint32_t> hist(static_cast<size_t>(tasks * buckets0));
  for (int64_t t = 0; t < tasks; ++t) {
    std::copy(sub.begin() + t * 4 * buckets0, sub.begin() + t * 4 * buckets0 + buckets0, hist.begin() + t * buckets0);
  }
  for (int64_t t = 0; t < tasks; ++t) {
    if (nan_at[t] >= 0) {
      return ArgError(StatusCode::kNonFinite, op, arg, "values that are not NaN",
                      "NaN at index " + std::to_string(nan_at[t]));
    }
  }
  std::vector<int64_t> total(static_cast<size_t>(buckets0), 0);
  for (int64_t t = 0; t < tasks; ++t) {
    for (int64_t b = 0; b < buckets0; ++b) total[b] += hist[t * buckets0 + b];
  }
  int64_t greater = 0;
  int64_t rank = k;
  const uint32_t b0 = static_cast<uint32_t>(FindBucket(total, &rank, &greater));

  // Gather the keys of the chosen bucket; each range knows its own count from its histogram, and gets one
  // spare slot for the branch-free store below.
  std::vector<int64_t> offset(static_cast<size_t>(tasks + 1), 0);
  for (int64_t t = 0; t < tasks; ++t) offset[t + 1] = offset[t] + hist[t * buckets0 + b0] + 1;
  std::vector<uint32_t> cand(static_cast<size_t>(offset[tasks]));
  ParallelFor(tasks, [&](int64_t t) {
    uint32_t* dst = cand.data() + offset[t];
    const int64_t b = ranges.Begin(t), e = ranges.Begin(t + 1);
    if (kind == KeyKind::kAbs) {
      GatherBucket<KeyKind::kAbs>(v, b, e, digits[0].shift, b0, dst);
    } else {
      GatherBucket<KeyKind::kSigned>(v, b, e, digits[0].shift, b0, dst);
    }
  });
  size_t count = 0;
  for (int64_t t = 0; t < tasks; ++t) {
    const int64_t n_t = offset[t + 1] - offset[t] - 1;
    std::copy(cand.begin() + offset[t], cand.begin() + offset[t] + n_t, cand.begin() + count);
    count += static_cast<size_t>(n_t);
  }
  cand.resize(count);
  uint32_t prefix = b0 << digits[0].shift;
  int64_t equal = 0;
  for (int d = 1; d < 3; ++d) {
    const uint32_t mask = (1u << digits[d].bits) - 1u;
    const int shift = digits[d].shift;
    std::vector<int64_t> h(size_t{1} << digits[d].bits, 0);
    for (uint32_t key : cand) ++h[(key >> shift) & mask];
    const uint32_t digit = static_cast<uint32_t>(FindBucket(h, &rank, &greater));
    prefix |= digit << shift;
    if (d == 2) {
      equal = h[digit];
    } else {
      size_t kept = 0;
      for (uint32_t key : cand) {
        cand[kept] = key;  // in place, branch-free: kept never passes the read position
        kept += ((key >> shift) & mask) == digit;
      }
      cand.resize(kept);
    }
  }
  result->key = prefix;
  result->greater = greater;
  result->equal = equal;
  return Status::Ok();
}

std::vector<int64_t> TieBudgets(const float* v, int64_t k, KeyKind kind, const Ranges& ranges,
                                const SelectResult& sel) {
  const int64_t tasks = ranges.count;
  std::vector<int64_t> budget(static_cast<size_t>(tasks), 0);
  int64_t ties = k - sel.greater;
  if (ties == sel.equal) {  // every tie is kept: no need to count them
    for (int64_t t = 0; t < tasks; ++t) budget[t] = ranges.Begin(t + 1) - ranges.Begin(t);
    return budget;
  }
  std::vector<int64_t> counts(static_cast<size_t>(tasks), 0);
  ParallelFor(tasks, [&](int64_t t) {
    int64_t c = 0;
    for (int64_t i = ranges.Begin(t), end = ranges.Begin(t + 1); i < end; ++i) c += Key(kind, FloatBits(v[i])) == sel.key;
    counts[t] = c;
  });
  for (int64_t t = 0; t < tasks; ++t) {
    budget[t] = std::min(ties, counts[t]);
    ties -= budget[t];
  }
  return budget;
}

}  // namespace amc::prune
