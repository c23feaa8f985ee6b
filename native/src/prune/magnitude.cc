// Magnitude pruning and top-k channel selection over the radix select of radix-select.h.
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "amc/prune.h"
#include "amc/thread-pool.h"
#include "prune/radix-select.h"

namespace amc {
namespace {

using prune::KeyKind;

Status CheckKeep(const char* op, int64_t length, int64_t keep) {
  if (length < 0 || length >= (int64_t{1} << 31)) {
    return ArgError(StatusCode::kInvalidArgument, op, "length", "a length in [0, 2^31)", std::to_string(length));
  }
  if (keep < 0 || keep > length) {
    return ArgError(StatusCode::kInvalidArgument, op, "keep", "an integer in [0, " + std::to_string(length) + "]",
                    std::to_string(keep));
  }
  return Status::Ok();
}

Status CheckOptionalLength(const char* op, const char* arg, const void* data, int64_t length, int64_t expected) {
  if (data != nullptr && length != expected) {
    return ArgError(StatusCode::kShapeMismatch, op, arg, "length " + std::to_string(expected),
                    "length " + std::to_string(length));
  }
  return Status::Ok();
}

// Keeps every |w| above the selected key and the first budget[t] ties of each range t; zeroes the rest.
// Branch-free (the keep decision is a coin flip at density 0.5); when every tie is kept (the usual case for
// real-valued weights) the loop has no carried state and vectorises.
template <bool kOut, bool kMask>
void WriteRange(const float* w, int64_t begin, int64_t end, uint32_t key, int64_t budget, bool all_ties,
                float* out, uint8_t* mask) {
  if (all_ties) {
    for (int64_t i = begin; i < end; ++i) {
      const float v = w[i];
      const bool keep = prune::AbsKey(prune::FloatBits(v)) >= key;
      if (kOut) out[i] = keep ? v : 0.0f;
      if (kMask) mask[i] = keep;
    }
    return;
  }
  for (int64_t i = begin; i < end; ++i) {
    const float v = w[i];
    const uint32_t k = prune::AbsKey(prune::FloatBits(v));
    const bool tie = k == key;
    const bool keep = (k > key) | (tie & (budget > 0));
    budget -= static_cast<int64_t>(tie & keep);
    if (kOut) out[i] = keep ? v : 0.0f;
    if (kMask) mask[i] = keep;
  }
}

void WritePruned(const MagnitudeArgs& a, const prune::Ranges& ranges, uint32_t key, bool all_ties,
                 const std::vector<int64_t>& budgets) {
  ParallelFor(ranges.count, [&](int64_t t) {
    const int64_t b = ranges.Begin(t), e = ranges.Begin(t + 1);
    if (a.out != nullptr && a.mask != nullptr) {
      WriteRange<true, true>(a.weights, b, e, key, budgets[t], all_ties, a.out, a.mask);
    } else if (a.out != nullptr) {
      WriteRange<true, false>(a.weights, b, e, key, budgets[t], all_ties, a.out, nullptr);
    } else {
      WriteRange<false, true>(a.weights, b, e, key, budgets[t], all_ties, nullptr, a.mask);
    }
  });
}

}  // namespace

int64_t MagnitudeKeepCount(int64_t n, double density) {
  const double k = std::floor(density * static_cast<double>(n) + 0.5);
  if (!(k > 0)) return 0;
  if (k >= static_cast<double>(n)) return n;
  return static_cast<int64_t>(k);
}

Status MagnitudePrune(const MagnitudeArgs& a) {
  const char* op = "magnitudePrune";
  AMC_RETURN_IF_ERROR(CheckKeep(op, a.length, a.keep));
  if (a.length > 0 && a.weights == nullptr) return Status(StatusCode::kInvalidArgument, "magnitudePrune: weights missing");
  AMC_RETURN_IF_ERROR(CheckOptionalLength(op, "threshold", a.threshold, a.threshold_length, 1));
  AMC_RETURN_IF_ERROR(CheckOptionalLength(op, "out", a.out, a.out_length, a.length));
  AMC_RETURN_IF_ERROR(CheckOptionalLength(op, "mask", a.mask, a.mask_length, a.length));
  if (a.length == 0) {
    if (a.threshold != nullptr) a.threshold[0] = std::numeric_limits<float>::infinity();
    return Status::Ok();
  }
  const prune::Ranges ranges = prune::SplitRanges(a.length);
  // Selecting with k = 1 when nothing is kept still rejects NaN, so that the answer never depends on k.
  prune::SelectResult sel;
  AMC_RETURN_IF_ERROR(
      prune::SelectKth(a.weights, a.length, a.keep > 0 ? a.keep : 1, KeyKind::kAbs, ranges, op, "weights", &sel));
  if (a.keep == 0) {
    sel.key = 0xffffffffu;  // above every key: nothing kept
    sel.greater = 0;
    sel.equal = 0;
  }
  if (a.threshold != nullptr) {
    float t = std::numeric_limits<float>::infinity();
    if (a.keep > 0) std::memcpy(&t, &sel.key, sizeof(t));
    a.threshold[0] = t;
  }
  if (a.out == nullptr && a.mask == nullptr) return Status::Ok();
  // keep == 0: sel.key is above every key and no budget is spent.
  const bool all_ties = a.keep > 0 && a.keep - sel.greater == sel.equal;
  const std::vector<int64_t> budgets = a.keep > 0 && !all_ties
                                           ? prune::TieBudgets(a.weights, a.keep, KeyKind::kAbs, ranges, sel)
                                           : std::vector<int64_t>(static_cast<size_t>(ranges.count), 0);
  WritePruned(a, ranges, sel.key, all_ties, budgets);
  return Status::Ok();
}

Status TopKIndices(const TopKArgs& a) {
  const char* op = "topKIndices";
  AMC_RETURN_IF_ERROR(CheckKeep(op, a.length, a.keep));
  if (a.length > 0 && a.scores == nullptr) return Status(StatusCode::kInvalidArgument, "topKIndices: scores missing");
  if (a.out_length != a.keep || (a.keep > 0 && a.out == nullptr)) {
    return ArgError(StatusCode::kShapeMismatch, op, "out", "length " + std::to_string(a.keep),
                    "length " + std::to_string(a.out_length));
  }
  if (a.length == 0) return Status::Ok();
  const prune::Ranges ranges = prune::SplitRanges(a.length);
  prune::SelectResult sel;
  AMC_RETURN_IF_ERROR(
      prune::SelectKth(a.scores, a.length, a.keep > 0 ? a.keep : 1, KeyKind::kSigned, ranges, op, "scores", &sel));
  if (a.keep == 0) return Status::Ok();
  int64_t ties = a.keep - sel.greater;
  int64_t written = 0;
  for (int64_t i = 0; i < a.length && written < a.keep; ++i) {
    const uint32_t k = prune::SignedKey(prune::FloatBits(a.scores[i]));
    if (k > sel.key || (k == sel.key && ties-- > 0)) a.out[written++] = static_cast<int32_t>(i);
  }
  return Status::Ok();
}

}  // namespace amc
