// The SpMM op layer: variant table and selection, structure validation, the panel packers for row-major and
// transposed B, the tiled driver, and the spmm / sparse dense ops.
#include <xmmintrin.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "amc/scratch.h"
#include "amc/sparse.h"
#include "amc/thread-pool.h"
#include "sparse/f32-spmm-list.h"
#include "sparse/f32-transpose-list.h"

namespace amc {

#define AMC_DECLARE_SPMM(isa, format, mr, fn, eff)                                                          \
  void fn(int64_t groups, int64_t m, int n, const float* b, const int32_t* row_ptr, const int32_t* offsets, \
          const float* values, const float* bias, float* c, int64_t ldc, const SpmmParams& p);
AMC_F32_SPMM_UKERNELS(AMC_DECLARE_SPMM)
#undef AMC_DECLARE_SPMM

#define AMC_DECLARE_TRANSPOSE(isa, fn) \
  void fn(const float* src, int64_t lds, float* dst, int64_t ldd, int64_t rows, int64_t cols);
AMC_F32_TRANSPOSE_KERNELS(AMC_DECLARE_TRANSPOSE)
#undef AMC_DECLARE_TRANSPOSE

// Shared with sparse-conv.cc.
using TransposeFn = void (*)(const float* src, int64_t lds, float* dst, int64_t ldd, int64_t rows, int64_t cols);
TransposeFn SelectTranspose();

namespace {

#define AMC_SPMM_ENTRY(isa, format, mr, fn, eff) {Isa::isa, SparseFormat::format, mr, #fn, fn, eff},
const SpmmUkernel kSpmmUkernels[] = {AMC_F32_SPMM_UKERNELS(AMC_SPMM_ENTRY)};
#undef AMC_SPMM_ENTRY
constexpr int kSpmmUkernelCount = sizeof(kSpmmUkernels) / sizeof(kSpmmUkernels[0]);

struct TransposeEntry {
  Isa isa;
  TransposeFn fn;
};
#define AMC_TRANSPOSE_ENTRY(isa, fn) {Isa::isa, fn},
const TransposeEntry kTransposes[] = {AMC_F32_TRANSPOSE_KERNELS(AMC_TRANSPOSE_ENTRY)};
#undef AMC_TRANSPOSE_ENTRY

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Packed B per block of columns (kept in L2), and how many B rows ahead the row-major packer prefetches.
constexpr int64_t kBlockBytes = 128 * 1024;
constexpr int64_t kPrefetchRows = 8;
// Panels up to this size stay in L1 while the microkernel walks every output row over them.
constexpr int64_t kL1PanelBytes = 32 * 1024;

bool Usable(Isa isa) { return static_cast<int>(isa) <= static_cast<int>(IsaCap()) && IsaSupported(isa); }

}  // namespace

TransposeFn SelectTranspose() {
  TransposeFn best = kTransposes[0].fn;
  int best_isa = -1;
  for (const auto& t : kTransposes) {
    if (Usable(t.isa) && static_cast<int>(t.isa) > best_isa) {
      best = t.fn;
      best_isa = static_cast<int>(t.isa);
    }
  }
  return best;
}

const SpmmUkernel* SpmmUkernels(int* count) {
  *count = kSpmmUkernelCount;
  return kSpmmUkernels;
}

const SpmmUkernel& SelectSpmmUkernel(SparseFormat format, int64_t n, int64_t k) {
  int best_isa = -1;
  for (const auto& uk : kSpmmUkernels) {
    if (uk.format == format && Usable(uk.isa)) best_isa = std::max(best_isa, static_cast<int>(uk.isa));
  }
  const SpmmUkernel* best = nullptr;
  double best_cost = std::numeric_limits<double>::max();
  for (const auto& uk : kSpmmUkernels) {
    if (uk.format != format || static_cast<int>(uk.isa) != best_isa) continue;
    double cost = static_cast<double>(CeilDiv(std::max<int64_t>(n, 1), uk.mr) * uk.mr) / uk.efficiency;
    if (k * uk.mr * static_cast<int64_t>(sizeof(float)) > kL1PanelBytes) cost *= 1.5;
    if (cost < best_cost) {
      best = &uk;
      best_cost = cost;
    }
  }
  // The scalar variants of both formats are always in the table, so best is never null.
  return *best;
}

Status FindSpmmUkernel(const char* op, const std::string& name, SparseFormat format, const SpmmUkernel** out) {
  for (const auto& uk : kSpmmUkernels) {
    if (name != uk.name) continue;
    if (uk.format != format) {
      return ArgError(StatusCode::kInvalidArgument, op, "ukernel", "a variant of the weights' format", name);
    }
    if (!IsaSupported(uk.isa)) {
      return Status(StatusCode::kUnsupportedIsa, std::string(op) + ": " + name + " needs " + IsaName(uk.isa) +
                                                    ", which this CPU lacks (native check)");
    }
    *out = &uk;
    return Status::Ok();
  }
  return ArgError(StatusCode::kInvalidArgument, op, "ukernel", "the name of an spmm variant", name);
}

Status ValidateSparseMatrix(const char* op, const SparseMatrixView& a) {
  constexpr int64_t kMaxDim = (int64_t{1} << 31) - 1;
  if (a.format != SparseFormat::kCsr && a.format != SparseFormat::kBlockCsr4) {
    return ArgError(StatusCode::kInvalidArgument, op, "weights.format", "0 (csr) or 1 (bcsr)",
                    std::to_string(static_cast<int>(a.format)));
  }
  if (a.rows < 0 || a.rows > kMaxDim) {
    return ArgError(StatusCode::kInvalidArgument, op, "weights.rows", "an integer in [0, 2^31)", std::to_string(a.rows));
  }
  if (a.cols < 0 || a.cols > kMaxDim) {
    return ArgError(StatusCode::kInvalidArgument, op, "weights.cols", "an integer in [0, 2^31)", std::to_string(a.cols));
  }
  const int64_t groups = a.RowGroups();
  if (a.row_ptr_length != groups + 1 || a.row_ptr == nullptr) {
    return ArgError(StatusCode::kShapeMismatch, op, "weights.rowPtr", "length " + std::to_string(groups + 1),
                    "length " + std::to_string(a.row_ptr_length));
  }
  const int64_t entries = a.col_idx_length;
  const int64_t per_entry = a.format == SparseFormat::kCsr ? 1 : kSparseBlockRows;
  if (a.values_length != entries * per_entry) {
    return ArgError(StatusCode::kShapeMismatch, op, "weights.values", "length " + std::to_string(entries * per_entry),
                    "length " + std::to_string(a.values_length));
  }
  if (entries > 0 && (a.col_idx == nullptr || a.values == nullptr)) {
    return Status(StatusCode::kInvalidArgument, std::string(op) + ": weights buffers are missing (native check)");
  }
  if (a.row_ptr[0] != 0) {
    return ArgError(StatusCode::kInvalidArgument, op, "weights.rowPtr[0]", "0", std::to_string(a.row_ptr[0]));
  }
  if (a.row_ptr[groups] != entries) {
    return ArgError(StatusCode::kShapeMismatch, op, "weights.rowPtr[last]",
                    "the number of column indices (" + std::to_string(entries) + ")", std::to_string(a.row_ptr[groups]));
  }
  for (int64_t r = 0; r < groups; ++r) {
    const int64_t begin = a.row_ptr[r];
    const int64_t end = a.row_ptr[r + 1];
    if (end < begin || end > entries) {
      return ArgError(StatusCode::kInvalidArgument, op, "weights.rowPtr",
                      "non-decreasing offsets in [0, " + std::to_string(entries) + "]",
                      std::to_string(end) + " after " + std::to_string(begin) + " at index " + std::to_string(r + 1));
    }
  }
  for (int64_t r = 0; r < groups; ++r) {
    const int64_t begin = a.row_ptr[r];
    const int64_t end = a.row_ptr[r + 1];
    int64_t previous = -1;
    for (int64_t e = begin; e < end; ++e) {
      const int64_t col = a.col_idx[e];
      if (col < 0 || col >= a.cols) {
        return ArgError(StatusCode::kIndexOutOfRange, op, "weights.colIdx",
                        "column indices in [0, " + std::to_string(a.cols) + ")",
                        std::to_string(col) + " at position " + std::to_string(e));
      }
      if (col <= previous) {
        return ArgError(StatusCode::kInvalidArgument, op, "weights.colIdx", "strictly increasing columns within a row",
                        std::to_string(col) + " after " + std::to_string(previous) + " at position " + std::to_string(e));
      }
      previous = col;
    }
  }
  return Status::Ok();
}

void RowMajorPanelPacker::Pack(int64_t n0, int nc, int mr, float* panels) const {
  const int64_t panel_size = k_ * mr;
  const int64_t lines = (static_cast<int64_t>(nc) * sizeof(float) + 63) / 64;
  for (int64_t k = 0; k < k_; ++k) {
    // B rows are far apart: ask for a row a few iterations ahead so its lines arrive while this one is copied.
    if (k + kPrefetchRows < k_) {
      const char* ahead = reinterpret_cast<const char*>(b_ + (k + kPrefetchRows) * ldb_ + n0);
      for (int64_t line = 0; line < lines; ++line) _mm_prefetch(ahead + 64 * line, _MM_HINT_T0);
    }
    const float* src = b_ + k * ldb_ + n0;
    float* dst = panels + k * mr;
    for (int j0 = 0; j0 < nc; j0 += mr, dst += panel_size) {
      const int cols = std::min(mr, nc - j0);
      // Panels are 64-byte aligned and mr is a multiple of 4: aligned 16-byte stores.
      int t = 0;
      for (; t + 4 <= cols; t += 4) _mm_store_ps(dst + t, _mm_loadu_ps(src + j0 + t));
      for (; t < cols; ++t) dst[t] = src[j0 + t];
      for (; t < mr; ++t) dst[t] = 0.0f;
    }
  }
}

void RowMajorPanelPacker::Prefetch(int64_t n0, int nc, int part, int parts) const {
  const int64_t lines = (static_cast<int64_t>(nc) * sizeof(float) + 63) / 64;
  for (int64_t k = k_ * part / parts; k < k_ * (part + 1) / parts; ++k) {
    const char* row = reinterpret_cast<const char*>(b_ + k * ldb_ + n0);
    for (int64_t line = 0; line < lines; ++line) _mm_prefetch(row + 64 * line, _MM_HINT_T1);
  }
}

void TransposedPanelPacker::Pack(int64_t n0, int nc, int mr, float* panels) const {
  const TransposeFn transpose = SelectTranspose();
  for (int j0 = 0; j0 < nc; j0 += mr) {
    float* panel = panels + j0 / mr * k_ * mr;
    const int cols = std::min(mr, nc - j0);
    if (cols < mr) std::memset(panel, 0, static_cast<size_t>(k_) * mr * sizeof(float));
    transpose(x_ + (n0 + j0) * ldx_, ldx_, panel, mr, cols, k_);
  }
}

void TransposedPanelPacker::Prefetch(int64_t n0, int nc, int part, int parts) const {
  // Rows n0 .. n0 + nc - 1 of x, k_ floats each (contiguous when ldx == k).
  for (int64_t r = n0 + static_cast<int64_t>(nc) * part / parts; r < n0 + static_cast<int64_t>(nc) * (part + 1) / parts; ++r) {
    const char* row = reinterpret_cast<const char*>(x_ + r * ldx_);
    for (int64_t byte = 0; byte < k_ * static_cast<int64_t>(sizeof(float)); byte += 64) _mm_prefetch(row + byte, _MM_HINT_T1);
  }
}

Status SpmmDriver(const SparseMatrixView& a, int64_t n, const SpmmPanelPacker& b, const SpmmOutput& out) {
  const int64_t m = a.rows;
  const int64_t k = a.cols;
  if (m == 0 || n == 0) return Status::Ok();
  const SpmmUkernel& uk = out.ukernel != nullptr ? *out.ukernel : SelectSpmmUkernel(a.format, n, k);
  const int mr = uk.mr;
  const int group_rows = a.GroupRows();
  const int64_t groups = a.RowGroups();
  const int64_t entries = a.col_idx_length;
  if (k > std::numeric_limits<int32_t>::max() / mr) {
    return Status(StatusCode::kUnsupported, "sparse: weights.cols too large for the panel offsets (native check)");
  }

  // Element offsets of every entry's column in a K x mr panel, and for block CSR a bias padded to 4 per block.
  std::vector<int32_t> offsets(static_cast<size_t>(entries));
  for (int64_t e = 0; e < entries; ++e) offsets[e] = a.col_idx[e] * mr;
  std::vector<float> padded_bias;
  const float* bias = out.bias;
  if (bias != nullptr && groups * group_rows != m) {
    padded_bias.assign(static_cast<size_t>(groups * group_rows), 0.0f);
    std::copy(bias, bias + m, padded_bias.begin());
    bias = padded_bias.data();
  }
  SpmmParams params;
  SetActivation(out.activation, &params.clamp, &params.lo, &params.hi);
  const TransposeFn transpose = out.transposed ? SelectTranspose() : nullptr;

  // Blocks of nc_max columns (a whole number of panels, about kBlockBytes of packed B, which stays in L2) are
  // packed at once so that B streams from memory in long runs; the microkernel then walks panel by panel.
  const int64_t panel_floats = std::max<int64_t>(k, 1) * mr;
  const int64_t panels_per_block =
      std::max<int64_t>(1, std::min<int64_t>(kBlockBytes / (panel_floats * static_cast<int64_t>(sizeof(float))),
                                             CeilDiv(n, mr)));
  const int64_t nc_max = panels_per_block * mr;
  const int64_t blocks = CeilDiv(n, nc_max);
  // Tasks: with enough blocks, one contiguous range of blocks per task (so a task knows its next block and
  // prefetches it while computing the current one); with too few, single blocks split into row-group chunks
  // (each chunk packs its own copy of the block).
  const int threads = NumThreads();
  int64_t chunks = 1;
  if (threads > 1 && blocks < 4 * threads) chunks = std::min<int64_t>(groups, CeilDiv(4 * threads, blocks));
  const int64_t ranges = chunks > 1 ? blocks : std::min<int64_t>(blocks, 4 * threads);
  const size_t tile_floats = out.transposed ? static_cast<size_t>(groups * group_rows) * mr : 0;
  std::atomic<bool> alloc_failed{false};

  ParallelFor(ranges * chunks, [&](int64_t task) {
    const int64_t range = task / chunks;
    const int64_t chunk = task % chunks;
    const int64_t g0 = groups * chunk / chunks;
    const int64_t g1 = groups * (chunk + 1) / chunks;
    if (g0 == g1) return;
    const int64_t block_begin = blocks * range / ranges;
    const int64_t block_end = blocks * (range + 1) / ranges;
    float* panels = ThreadScratch(ScratchSlot::kWork0, static_cast<size_t>(panels_per_block * panel_floats));
    float* tile_buf = tile_floats > 0 ? ThreadScratch(ScratchSlot::kWork1, tile_floats) : nullptr;
    if (panels == nullptr || (tile_floats > 0 && tile_buf == nullptr)) {
      alloc_failed = true;
      return;
    }
    const int64_t r0 = g0 * group_rows;
    const int64_t rows = std::min(m, g1 * group_rows) - r0;
    const float* chunk_bias = bias != nullptr ? bias + r0 : nullptr;
    for (int64_t block = block_begin; block < block_end; ++block) {
      const int64_t n0 = block * nc_max;
      const int nc = static_cast<int>(std::min<int64_t>(nc_max, n - n0));
      b.Pack(n0, nc, mr, panels);
      const bool prefetch_next = block + 1 < block_end;
      const int64_t next_n0 = n0 + nc_max;
      const int next_nc = static_cast<int>(std::min<int64_t>(nc_max, n - std::min(n, next_n0)));
      const int parts = static_cast<int>(CeilDiv(nc, mr));
      for (int j0 = 0; j0 < nc; j0 += mr) {
        const float* panel = panels + j0 / mr * panel_floats;
        const int cols = std::min(mr, nc - j0);
        if (!out.transposed) {
          uk.fn(g1 - g0, rows, cols, panel, a.row_ptr + g0, offsets.data(), a.values, chunk_bias,
                out.c + r0 * out.ldc + n0 + j0, out.ldc, params);
        } else {
          uk.fn(g1 - g0, rows, cols, panel, a.row_ptr + g0, offsets.data(), a.values, chunk_bias, tile_buf, mr, params);
          transpose(tile_buf, mr, out.c + (n0 + j0) * out.ldc + r0, out.ldc, rows, cols);
        }
        if (prefetch_next) b.Prefetch(next_n0, next_nc, j0 / mr, parts);
      }
    }
  });
  if (alloc_failed) return Status(StatusCode::kNativeFailure, "sparse: out of memory for the panel scratch");
  return Status::Ok();
}

namespace {

Status CheckLength(const char* op, const char* arg, int64_t length, int64_t expected) {
  if (length != expected) {
    return ArgError(StatusCode::kShapeMismatch, op, arg, "length " + std::to_string(expected),
                    "length " + std::to_string(length));
  }
  return Status::Ok();
}

// Fills an all-zero-weights result (no entries): act(bias) everywhere. Also covers K == 0.
bool MulOverflows(int64_t a, int64_t b, int64_t* out) {
  return __builtin_mul_overflow(a, b, out) || *out > std::numeric_limits<int32_t>::max();
}

}  // namespace

Status Spmm(const SpmmArgs& args) {
  const char* op = "spmm";
  AMC_RETURN_IF_ERROR(ValidateSparseMatrix(op, args.a));
  if (args.n < 0 || args.n > std::numeric_limits<int32_t>::max()) {
    return ArgError(StatusCode::kInvalidArgument, op, "n", "an integer in [0, 2^31)", std::to_string(args.n));
  }
  int64_t b_size, c_size;
  if (MulOverflows(args.a.cols, args.n, &b_size) || MulOverflows(args.a.rows, args.n, &c_size)) {
    return Status(StatusCode::kInvalidArgument, "spmm: matrix sizes overflow (native check)");
  }
  AMC_RETURN_IF_ERROR(CheckLength(op, "b", args.b_length, b_size));
  AMC_RETURN_IF_ERROR(CheckLength(op, "c", args.c_length, c_size));
  if (args.bias != nullptr) AMC_RETURN_IF_ERROR(CheckLength(op, "bias", args.bias_length, args.a.rows));
  if ((b_size > 0 && args.b == nullptr) || (c_size > 0 && args.c == nullptr)) {
    return Status(StatusCode::kInvalidArgument, "spmm: a buffer is missing (native check)");
  }
  SpmmOutput out;
  out.c = args.c;
  out.ldc = args.n;
  out.bias = args.bias;
  out.activation = args.activation;
  if (!args.ukernel.empty()) AMC_RETURN_IF_ERROR(FindSpmmUkernel(op, args.ukernel, args.a.format, &out.ukernel));
  RowMajorPanelPacker packer(args.b, args.a.cols, args.n);
  return SpmmDriver(args.a, args.n, packer, out);
}

Status SparseDense(const SparseDenseArgs& args) {
  const char* op = "sparseDense";
  AMC_RETURN_IF_ERROR(ValidateSparseMatrix(op, args.weights));
  if (args.batch < 0 || args.batch > std::numeric_limits<int32_t>::max()) {
    return ArgError(StatusCode::kInvalidArgument, op, "batch", "an integer in [0, 2^31)", std::to_string(args.batch));
  }
  int64_t x_size, y_size;
  if (MulOverflows(args.batch, args.weights.cols, &x_size) || MulOverflows(args.batch, args.weights.rows, &y_size)) {
    return Status(StatusCode::kInvalidArgument, "sparseDense: matrix sizes overflow (native check)");
  }
  AMC_RETURN_IF_ERROR(CheckLength(op, "x", args.x_length, x_size));
  AMC_RETURN_IF_ERROR(CheckLength(op, "y", args.y_length, y_size));
  if (args.bias != nullptr) AMC_RETURN_IF_ERROR(CheckLength(op, "bias", args.bias_length, args.weights.rows));
  if ((x_size > 0 && args.x == nullptr) || (y_size > 0 && args.y == nullptr)) {
    return Status(StatusCode::kInvalidArgument, "sparseDense: a buffer is missing (native check)");
  }
  SpmmOutput out;
  out.c = args.y;
  out.ldc = args.weights.rows;
  out.transposed = true;
  out.bias = args.bias;
  out.activation = args.activation;
  TransposedPanelPacker packer(args.x, args.weights.cols, args.weights.cols);
  return SpmmDriver(args.weights, args.batch, packer, out);
}

}  // namespace amc
