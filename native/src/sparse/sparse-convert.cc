// Dense to CSR / 4 x 1 block CSR, in two passes (count, then fill) so that the caller allocates every output.
// Any value that compares unequal to zero is an entry (NaN included, -0 excluded). Both passes run in
// parallel over row groups; fill re-checks the row offsets it is given, so a stale or hostile row_ptr can
// never make it write out of bounds.
#include <algorithm>
#include <atomic>
#include <limits>
#include <string>

#include "amc/sparse.h"
#include "amc/thread-pool.h"

namespace amc {
namespace {

// Number of entries of row group r (CSR: one row; block CSR: columns where any of the 4 rows is nonzero).
int64_t GroupEntries(const DenseToSparseArgs& a, int64_t r) {
  int64_t count = 0;
  if (a.format == SparseFormat::kCsr) {
    const float* row = a.dense + r * a.cols;
    for (int64_t c = 0; c < a.cols; ++c) count += row[c] != 0.0f;
    return count;
  }
  const int64_t r0 = r * kSparseBlockRows;
  const int64_t rows = std::min<int64_t>(kSparseBlockRows, a.rows - r0);
  for (int64_t c = 0; c < a.cols; ++c) {
    bool any = false;
    for (int64_t i = 0; i < rows; ++i) any |= a.dense[(r0 + i) * a.cols + c] != 0.0f;
    count += any;
  }
  return count;
}

Status CheckCommon(const char* op, const DenseToSparseArgs& a, int64_t* groups) {
  constexpr int64_t kMaxDim = std::numeric_limits<int32_t>::max();
  if (a.format != SparseFormat::kCsr && a.format != SparseFormat::kBlockCsr4) {
    return ArgError(StatusCode::kInvalidArgument, op, "format", "0 (csr) or 1 (bcsr)", std::to_string(static_cast<int>(a.format)));
  }
  if (a.rows < 0 || a.rows > kMaxDim || a.cols < 0 || a.cols > kMaxDim) {
    return Status(StatusCode::kInvalidArgument, std::string(op) + ": expected rows and cols in [0, 2^31) (native check)");
  }
  int64_t size = 0;
  if (__builtin_mul_overflow(a.rows, a.cols, &size) || size > kMaxDim) {
    return Status(StatusCode::kInvalidArgument, std::string(op) + ": dense matrix too large (native check)");
  }
  if (a.dense_length != size || (size > 0 && a.dense == nullptr)) {
    return ArgError(StatusCode::kShapeMismatch, op, "dense", "length " + std::to_string(size),
                    "length " + std::to_string(a.dense_length));
  }
  *groups = a.format == SparseFormat::kCsr ? a.rows : (a.rows + kSparseBlockRows - 1) / kSparseBlockRows;
  if (a.row_ptr_length != *groups + 1 || a.row_ptr == nullptr) {
    return ArgError(StatusCode::kShapeMismatch, op, "rowPtr", "length " + std::to_string(*groups + 1),
                    "length " + std::to_string(a.row_ptr_length));
  }
  return Status::Ok();
}

}  // namespace

Status DenseToSparseCount(const DenseToSparseArgs& args) {
  const char* op = "denseToSparseCount";
  int64_t groups = 0;
  AMC_RETURN_IF_ERROR(CheckCommon(op, args, &groups));
  ParallelFor(groups, [&](int64_t r) { args.row_ptr[r + 1] = static_cast<int32_t>(GroupEntries(args, r)); });
  args.row_ptr[0] = 0;
  int64_t total = 0;
  for (int64_t r = 0; r < groups; ++r) {
    total += args.row_ptr[r + 1];
    // Entries of both formats are bounded by rows * cols < 2^31, so this never overflows; keep it explicit.
    if (total > std::numeric_limits<int32_t>::max()) return Status(StatusCode::kNativeFailure, "denseToSparseCount: too many entries");
    args.row_ptr[r + 1] = static_cast<int32_t>(total);
  }
  return Status::Ok();
}

Status DenseToSparseFill(const DenseToSparseArgs& args) {
  const char* op = "denseToSparseFill";
  int64_t groups = 0;
  AMC_RETURN_IF_ERROR(CheckCommon(op, args, &groups));
  const int64_t entries = args.col_idx_length;
  const int64_t per_entry = args.format == SparseFormat::kCsr ? 1 : kSparseBlockRows;
  if (args.values_length != entries * per_entry || (entries > 0 && (args.col_idx == nullptr || args.values == nullptr))) {
    return ArgError(StatusCode::kShapeMismatch, op, "values", "length " + std::to_string(entries * per_entry),
                    "length " + std::to_string(args.values_length));
  }
  if (args.row_ptr[0] != 0 || args.row_ptr[groups] != entries) {
    return Status(StatusCode::kShapeMismatch, std::string(op) + ": rowPtr does not match colIdx (native check)");
  }
  for (int64_t r = 0; r < groups; ++r) {
    if (args.row_ptr[r + 1] < args.row_ptr[r]) {
      return Status(StatusCode::kInvalidArgument, std::string(op) + ": rowPtr is not non-decreasing (native check)");
    }
  }
  std::atomic<bool> mismatch{false};
  ParallelFor(groups, [&](int64_t r) {
    int64_t e = args.row_ptr[r];
    const int64_t end = args.row_ptr[r + 1];
    if (args.format == SparseFormat::kCsr) {
      const float* row = args.dense + r * args.cols;
      for (int64_t c = 0; c < args.cols; ++c) {
        if (row[c] == 0.0f) continue;
        if (e >= end) {
          mismatch = true;
          return;
        }
        args.col_idx[e] = static_cast<int32_t>(c);
        args.values[e] = row[c];
        ++e;
      }
    } else {
      const int64_t r0 = r * kSparseBlockRows;
      const int64_t rows = std::min<int64_t>(kSparseBlockRows, args.rows - r0);
      for (int64_t c = 0; c < args.cols; ++c) {
        bool any = false;
        for (int64_t i = 0; i < rows; ++i) any |= args.dense[(r0 + i) * args.cols + c] != 0.0f;
        if (!any) continue;
        if (e >= end) {
          mismatch = true;
          return;
        }
        args.col_idx[e] = static_cast<int32_t>(c);
        for (int64_t i = 0; i < kSparseBlockRows; ++i) {
          args.values[e * kSparseBlockRows + i] = i < rows ? args.dense[(r0 + i) * args.cols + c] : 0.0f;
        }
        ++e;
      }
    }
    if (e != end) mismatch = true;
  });
  if (mismatch) return Status(StatusCode::kShapeMismatch, std::string(op) + ": rowPtr does not match the dense matrix (native check)");
  return Status::Ok();
}

}  // namespace amc
