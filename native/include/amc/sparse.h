// Sparse weights times dense activations (SpMM), the sparse 1x1 / k x k convolution over NHWC activations and
// the sparse dense layer, after "Fast Sparse ConvNets" (Elsen et al. 2019, XNNPACK's f32-spmm).
//
//   C[M x N] = act(A[M x K] * B[K x N] + bias[M])
//
// A is the sparse weight matrix (rows = output channels M, columns = input features K) in one of two formats:
//   CSR:        row_ptr[M + 1], col_idx[nnz], values[nnz]; row m holds columns col_idx[row_ptr[m] .. row_ptr[m+1]).
//   block CSR:  4 x 1 blocks (4 consecutive output rows, one column): block_row_ptr[ceil(M / 4) + 1],
//               col_idx[blocks], values[4 * blocks] (the 4 row values of a block, zero past row M - 1).
// B is dense and feature-major: B[k * ldb + n], the "CHW" layout of the paper with the N pixels (or batch rows)
// contiguous. The op layer packs a block of pixels of B (a whole number of mr-pixel panels, about 128 KiB, kept
// in L2) into K x mr panels in per-thread scratch (a copy for row-major B, a transpose for NHWC or
// [batch x features] input, an im2col gather for k x k convs), runs the microkernel over every output row of
// each panel, and for NHWC output transposes the M x mr result tile back; every buffer stays in L1/L2, and no
// whole-tensor transpose ever happens. The microkernel variant (and with it mr) is chosen per call from the
// family table: least padding per unit of speed, preferring panels (K x mr floats) that fit in L1.
#pragma once
#include <cstdint>
#include <string>

#include "amc/conv-geometry.h"
#include "amc/gemm.h"
#include "amc/isa.h"
#include "amc/status.h"

namespace amc {

enum class SparseFormat : int { kCsr = 0, kBlockCsr4 = 1 };
constexpr int kSparseBlockRows = 4;

// A view of caller memory describing A; lengths are the typed arrays' element counts.
struct SparseMatrixView {
  SparseFormat format = SparseFormat::kCsr;
  int64_t rows = 0, cols = 0;
  const int32_t* row_ptr = nullptr;  // CSR: rows + 1; block CSR: ceil(rows / 4) + 1
  int64_t row_ptr_length = 0;
  const int32_t* col_idx = nullptr;  // nnz (CSR) or blocks (block CSR)
  int64_t col_idx_length = 0;
  const float* values = nullptr;  // nnz (CSR) or 4 * blocks (block CSR)
  int64_t values_length = 0;

  int64_t RowGroups() const { return format == SparseFormat::kCsr ? rows : (rows + kSparseBlockRows - 1) / kSparseBlockRows; }
  int GroupRows() const { return format == SparseFormat::kCsr ? 1 : kSparseBlockRows; }
};

// Checks the structure: dims in range, lengths consistent, row_ptr[0] == 0, row_ptr non-decreasing and ending
// at the entry count, column indices in [0, cols) and strictly increasing within each row. Values are data and
// are not checked (NaN propagates). After this, no kernel can read out of bounds whatever the values are.
Status ValidateSparseMatrix(const char* op, const SparseMatrixView& a);

// Clamp applied to every finished output (an activation); NaN propagates through it.
struct SpmmParams {
  bool clamp = false;
  float lo = 0.0f;
  float hi = 0.0f;
};

// Microkernel contract. One call computes `groups` row groups (CSR: single rows; block CSR: 4-row blocks) of
// one tile of mr columns:
//   c[r * ldc + j] = clamp(bias[r] + sum_e values(e, r) * b[offsets[e] + j])   for j < n, r < m
// b is a K x mr panel (ld = mr, 64-byte aligned, every column < mr readable, zero past n); offsets[e] is the
// element offset of entry e's column in the panel (col_idx[e] * mr); row_ptr[0 .. groups] holds absolute
// entry indices into offsets and values (values holds 4 floats per entry for block CSR). bias is null or holds
// one value per output row of the groups (block CSR: 4 per group, zero-padded). m is the number of output rows
// to store (CSR: groups; block CSR: <= 4 * groups, the last block may be partial). Only the first n columns of
// each stored row are written. Never allocates, never fails.
using SpmmUkernelFn = void (*)(int64_t groups, int64_t m, int n, const float* b, const int32_t* row_ptr,
                               const int32_t* offsets, const float* values, const float* bias, float* c, int64_t ldc,
                               const SpmmParams& params);

struct SpmmUkernel {
  Isa isa;
  SparseFormat format;
  int mr;
  const char* name;
  SpmmUkernelFn fn;
  float efficiency;  // relative full-tile speed within its ISA and format, used by SelectSpmmUkernel
};

// The family table (every variant compiled in), driven by the list in src/sparse/f32-spmm-list.h.
const SpmmUkernel* SpmmUkernels(int* count);
// The best variant for a format, n columns and k panel rows under the current ISA cap: the least padded work
// per unit of speed, counting a panel (k x mr floats) that does not fit in L1 as 1.5 times slower (measured:
// the kernels re-read panel rows at random, so they slow down sharply once the panel spills to L2).
const SpmmUkernel& SelectSpmmUkernel(SparseFormat format, int64_t n, int64_t k);

// Packs columns [n0, n0 + nc) of B into ceil(nc / mr) consecutive K x mr panels (panel j at panels + j * K * mr,
// ld = mr; column n0 + j * mr + t at position t), zero-padding the last panel past nc.
class SpmmPanelPacker {
 public:
  virtual ~SpmmPanelPacker() = default;
  virtual void Pack(int64_t n0, int nc, int mr, float* panels) const = 0;
  // Hints that columns [n0, n0 + nc) will be packed soon: prefetches part `part` of `parts` of their source
  // into the cache (no effect on results). Default: nothing.
  virtual void Prefetch(int64_t n0, int nc, int part, int parts) const {}
};

// B row-major K x N with row stride ldb (the spmm op).
class RowMajorPanelPacker final : public SpmmPanelPacker {
 public:
  RowMajorPanelPacker(const float* b, int64_t k, int64_t ldb) : b_(b), k_(k), ldb_(ldb) {}
  void Pack(int64_t n0, int nc, int mr, float* panels) const override;
  void Prefetch(int64_t n0, int nc, int part, int parts) const override;

 private:
  const float* b_;
  int64_t k_, ldb_;
};

// B given transposed, N x K row-major with row stride ldx: NHWC pixels x channels, or batch x features.
class TransposedPanelPacker final : public SpmmPanelPacker {
 public:
  TransposedPanelPacker(const float* x, int64_t k, int64_t ldx) : x_(x), k_(k), ldx_(ldx) {}
  void Pack(int64_t n0, int nc, int mr, float* panels) const override;
  void Prefetch(int64_t n0, int nc, int part, int parts) const override;

 private:
  const float* x_;
  int64_t k_, ldx_;
};

// Implicit im2col of an NHWC input for a k x k convolution: panel row (ky * kw + kx) * cin + ci, column t holds
// input[b, oy * sh - pt + ky * dh, ox * sw - pl + kx * dw, ci] for output pixel n0 + t = (b, oy, ox), 0 outside.
class Im2colPanelPacker final : public SpmmPanelPacker {
 public:
  Im2colPanelPacker(const float* input, const ConvGeometry& g) : input_(input), g_(g) {}
  void Pack(int64_t n0, int nc, int mr, float* panels) const override;

 private:
  const float* input_;
  ConvGeometry g_;
};

// Where the M x N result goes: row-major C[m * ldc + n] (spmm), or transposed C[n * ldc + m] (NHWC output
// pixels x channels, dense-layer batch x outputs).
struct SpmmOutput {
  float* c = nullptr;
  int64_t ldc = 0;
  bool transposed = false;
  const float* bias = nullptr;  // M values or null
  Activation activation = Activation::kNone;
  const SpmmUkernel* ukernel = nullptr;  // a forced variant (tests, benchmarks); null selects one
};

// Runs A (validated) times the packed B over N columns. Allocates scratch; kNativeFailure when that fails.
Status SpmmDriver(const SparseMatrixView& a, int64_t n, const SpmmPanelPacker& b, const SpmmOutput& out);

// Finds a variant by name for `format`: kInvalidArgument when unknown or of another format, kUnsupportedIsa when
// this CPU lacks its ISA (the ISA cap does not apply: forcing a variant is for tests and benchmarks).
Status FindSpmmUkernel(const char* op, const std::string& name, SparseFormat format, const SpmmUkernel** out);

struct SpmmArgs {
  SparseMatrixView a;
  const float* b = nullptr;  // K x N row-major
  int64_t b_length = 0;
  int64_t n = 0;
  float* c = nullptr;  // M x N row-major
  int64_t c_length = 0;
  const float* bias = nullptr;  // optional, M
  int64_t bias_length = 0;
  Activation activation = Activation::kNone;
  std::string ukernel;  // optional variant name (see FindSpmmUkernel); empty selects one
};
// C = act(A * B + bias).
Status Spmm(const SpmmArgs& args);

struct SparseConv2dArgs {
  ConvGeometry geometry;
  SparseMatrixView weights;  // cout x (kh * kw * cin), column (ky * kw + kx) * cin + ci
  const float* input = nullptr;  // NHWC
  int64_t input_length = 0;
  float* output = nullptr;  // NHWC, batch x out_h x out_w x cout
  int64_t output_length = 0;
  const float* bias = nullptr;  // optional, cout
  int64_t bias_length = 0;
  Activation activation = Activation::kNone;
};
Status SparseConv2d(const SparseConv2dArgs& args);

struct SparseDenseArgs {
  SparseMatrixView weights;  // out x in
  const float* x = nullptr;  // batch x in
  int64_t x_length = 0;
  int64_t batch = 0;
  float* y = nullptr;  // batch x out
  int64_t y_length = 0;
  const float* bias = nullptr;  // optional, out
  int64_t bias_length = 0;
  Activation activation = Activation::kNone;
};
Status SparseDense(const SparseDenseArgs& args);

// Dense row-major rows x cols to sparse, in two passes so the caller can allocate the outputs:
// count fills row_ptr (CSR: rows + 1; block CSR: ceil(rows / 4) + 1) with the running entry counts, then fill
// writes col_idx and values (lengths row_ptr[last] and row_ptr[last] * (4 for block CSR)).
struct DenseToSparseArgs {
  SparseFormat format = SparseFormat::kCsr;
  const float* dense = nullptr;
  int64_t dense_length = 0;
  int64_t rows = 0, cols = 0;
  int32_t* row_ptr = nullptr;
  int64_t row_ptr_length = 0;
  int32_t* col_idx = nullptr;  // fill only
  int64_t col_idx_length = 0;
  float* values = nullptr;  // fill only
  int64_t values_length = 0;
};
Status DenseToSparseCount(const DenseToSparseArgs& args);
Status DenseToSparseFill(const DenseToSparseArgs& args);

}  // namespace amc
