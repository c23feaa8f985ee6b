// Channel importance: the L1 or L2 norm of every slice of a tensor along one axis, viewed as
// [outer, channels, inner] (row-major). Sums are accumulated in double.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "amc/prune.h"
#include "amc/thread-pool.h"

namespace amc {
namespace {

constexpr int64_t kSerialBelow = 1 << 16;  // elements; smaller tensors are not worth waking the pool
constexpr int64_t kColumnBlock = 2048;     // double accumulators per block (16 KiB, stays in L1)

template <ImportanceNorm kNorm>
inline double Term(float v) {
  const double d = static_cast<double>(v);
  return kNorm == ImportanceNorm::kL1 ? std::fabs(d) : d * d;
}

// Sum of Term over a contiguous run, four independent partial sums.
template <ImportanceNorm kNorm>
double RunSum(const float* p, int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += Term<kNorm>(p[i]);
    s1 += Term<kNorm>(p[i + 1]);
    s2 += Term<kNorm>(p[i + 2]);
    s3 += Term<kNorm>(p[i + 3]);
  }
  for (; i < n; ++i) s0 += Term<kNorm>(p[i]);
  return (s0 + s1) + (s2 + s3);
}

// Long slices (inner >= 8): each task sums whole runs of one channel over a range of outer indices.
template <ImportanceNorm kNorm>
void ByRuns(const ChannelImportanceArgs& a, std::vector<double>* sums) {
  const int64_t total = a.outer * a.channels * a.inner;
  const int64_t threads = total < kSerialBelow ? 1 : NumThreads();
  // Split outer too when there are fewer channels than threads.
  const int64_t outer_parts = std::min<int64_t>(a.outer, std::max<int64_t>(1, (2 * threads + a.channels - 1) / a.channels));
  std::vector<double> partial(static_cast<size_t>(outer_parts * a.channels), 0.0);
  auto body = [&](int64_t task) {
    const int64_t c = task % a.channels;
    const int64_t part = task / a.channels;
    const int64_t o_begin = a.outer * part / outer_parts;
    const int64_t o_end = a.outer * (part + 1) / outer_parts;
    double s = 0;
    for (int64_t o = o_begin; o < o_end; ++o) s += RunSum<kNorm>(a.weights + (o * a.channels + c) * a.inner, a.inner);
    partial[task] = s;
  };
  const int64_t tasks = outer_parts * a.channels;
  if (threads == 1) {
    for (int64_t t = 0; t < tasks; ++t) body(t);
  } else {
    ParallelFor(tasks, body);
  }
  for (int64_t t = 0; t < tasks; ++t) (*sums)[t % a.channels] += partial[t];
}

// Short slices (inner < 8): column sums of the [outer, channels * inner] matrix. Columns go in blocks of whole
// channels (at most kColumnBlock columns, summed in a stack buffer and folded per channel), rows are split
// between tasks only when there are few column blocks; so the extra memory is parts x channels doubles.
template <ImportanceNorm kNorm>
void ByColumns(const ChannelImportanceArgs& a, std::vector<double>* sums) {
  const int64_t width = a.channels * a.inner;
  const int64_t total = a.outer * width;
  const int64_t threads = total < kSerialBelow ? 1 : NumThreads();
  const int64_t block = kColumnBlock / a.inner * a.inner;
  const int64_t col_blocks = (width + block - 1) / block;
  const int64_t row_parts = std::min<int64_t>(a.outer, std::max<int64_t>(1, (2 * threads + col_blocks - 1) / col_blocks));
  std::vector<double> partial(static_cast<size_t>(row_parts * a.channels), 0.0);
  auto body = [&](int64_t task) {
    const int64_t cb = task % col_blocks;
    const int64_t part = task / col_blocks;
    const int64_t j0 = cb * block;
    const int64_t cols = std::min(block, width - j0);
    double acc[kColumnBlock];
    for (int64_t j = 0; j < cols; ++j) acc[j] = 0.0;
    for (int64_t o = a.outer * part / row_parts, end = a.outer * (part + 1) / row_parts; o < end; ++o) {
      const float* row = a.weights + o * width + j0;
      for (int64_t j = 0; j < cols; ++j) acc[j] += Term<kNorm>(row[j]);
    }
    double* out = partial.data() + part * a.channels + j0 / a.inner;
    for (int64_t j = 0; j < cols; ++j) out[j / a.inner] += acc[j];
  };
  const int64_t tasks = row_parts * col_blocks;
  if (threads == 1) {
    for (int64_t t = 0; t < tasks; ++t) body(t);
  } else {
    ParallelFor(tasks, body);
  }
  for (int64_t part = 0; part < row_parts; ++part) {
    for (int64_t c = 0; c < a.channels; ++c) (*sums)[c] += partial[part * a.channels + c];
  }
}

template <ImportanceNorm kNorm>
void Importance(const ChannelImportanceArgs& a, std::vector<double>* sums) {
  if (a.inner >= 8) {
    ByRuns<kNorm>(a, sums);
  } else {
    ByColumns<kNorm>(a, sums);
  }
}

}  // namespace

Status ChannelImportance(const ChannelImportanceArgs& a) {
  const char* op = "channelImportance";
  const struct {
    const char* name;
    int64_t value;
  } dims[] = {{"outer", a.outer}, {"channels", a.channels}, {"inner", a.inner}};
  for (const auto& d : dims) {
    if (d.value < 0 || d.value >= (int64_t{1} << 31)) {
      return ArgError(StatusCode::kInvalidArgument, op, d.name, "an integer in [0, 2^31)", std::to_string(d.value));
    }
  }
  int64_t size = 0;
  if (__builtin_mul_overflow(a.outer, a.channels, &size) || __builtin_mul_overflow(size, a.inner, &size)) {
    return Status(StatusCode::kInvalidArgument, "channelImportance: tensor size overflows");
  }
  if (a.length != size) {
    return ArgError(StatusCode::kShapeMismatch, op, "weights", "length " + std::to_string(size),
                    "length " + std::to_string(a.length));
  }
  if (a.out_length != a.channels) {
    return ArgError(StatusCode::kShapeMismatch, op, "out", "length " + std::to_string(a.channels),
                    "length " + std::to_string(a.out_length));
  }
  if (a.norm != ImportanceNorm::kL1 && a.norm != ImportanceNorm::kL2) {
    return ArgError(StatusCode::kInvalidArgument, op, "norm", "1 (L1) or 2 (L2)", std::to_string(static_cast<int>(a.norm)));
  }
  if (a.channels == 0) return Status::Ok();
  if ((size > 0 && a.weights == nullptr) || a.out == nullptr) {
    return Status(StatusCode::kInvalidArgument, "channelImportance: a buffer is missing");
  }
  std::vector<double> sums(static_cast<size_t>(a.channels), 0.0);
  if (size > 0) {
    if (a.norm == ImportanceNorm::kL1) {
      Importance<ImportanceNorm::kL1>(a, &sums);
    } else {
      Importance<ImportanceNorm::kL2>(a, &sums);
    }
  }
  for (int64_t c = 0; c < a.channels; ++c) {
    a.out[c] = static_cast<float>(a.norm == ImportanceNorm::kL1 ? sums[c] : std::sqrt(sums[c]));
  }
  return Status::Ok();
}

}  // namespace amc
