// SGEMM: C[M x N] = alpha * op(A)[M x K] * op(B)[K x N] + beta * C (+ bias[N], then an activation clamp).
//
// The driver follows the BLIS loop nest: N in blocks of kNc, K in blocks of kc, op(B) packed into
// nr-column micro-panels (shared by all threads), M in blocks of mc packed per task into mr-row micro-panels,
// then the register-blocked microkernel on every mr x nr tile. Packing goes through the APacker and BPacker
// interfaces so that convolution (implicit im2col), channel-sliced and grouped convolution reuse the same
// driver without materialising their operands.
#pragma once
#include <cstdint>

#include "amc/isa.h"
#include "amc/status.h"

namespace amc {

// What the microkernel does with a finished tile, after C_tile = A_panel * B_panel over kc:
//   if accumulate: C_tile += C (the old values); if bias: C_tile += bias[col]; if clamp: clamp to [lo, hi].
// Only the first m rows and n columns are read or written.
struct GemmEpilogue {
  const float* bias = nullptr;  // nr values for this tile's columns (may read only the first n)
  bool accumulate = false;
  bool clamp = false;
  float lo = 0.0f;
  float hi = 0.0f;
};

// Microkernel contract: a holds kc x mr floats (k-major, mr per k), b holds kc x nr floats (nr per k), both
// zero-padded past the valid rows/columns; c is row-major with row stride ldc; 1 <= m <= mr, 1 <= n <= nr.
// Never allocates, never fails.
using GemmUkernelFn = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int m, int n,
                               const GemmEpilogue& epilogue);

struct GemmUkernel {
  Isa isa;
  int mr;
  int nr;
  const char* name;
  GemmUkernelFn fn;
  float efficiency;  // relative full-tile speed within its ISA, used by SelectGemmUkernel
};

// The family table (every variant compiled in), driven by the list in src/gemm/f32-gemm-list.h.
const GemmUkernel* GemmUkernels(int* count);
// The best variant for n output columns under the current ISA cap.
const GemmUkernel& SelectGemmUkernel(int64_t n);

// Packs rows [m0, m0 + mc) and columns [k0, k0 + kc) of op(A) into ceil(mc / mr) micro-panels of kc x mr,
// zero-padding the rows past mc.
class APacker {
 public:
  virtual ~APacker() = default;
  virtual void Pack(int64_t m0, int mc, int64_t k0, int kc, int mr, float* dst) const = 0;
};

// Packs rows [k0, k0 + kc) and columns [n0, n0 + nc) of op(B) into ceil(nc / nr) micro-panels of kc x nr,
// zero-padding the columns past nc.
class BPacker {
 public:
  virtual ~BPacker() = default;
  virtual void Pack(int64_t k0, int kc, int64_t n0, int nc, int nr, float* dst) const = 0;
};

// Where and how the product lands.
struct GemmOutput {
  float* c = nullptr;
  int64_t ldc = 0;
  const float* bias = nullptr;  // N values or null
  bool accumulate = false;      // add to the existing C (beta == 1); otherwise C is overwritten
  bool clamp = false;
  float lo = 0.0f;
  float hi = 0.0f;
};

// Runs the blocked product. Allocates packing buffers; returns kNativeFailure when that fails.
Status GemmDriver(int64_t m, int64_t n, int64_t k, const APacker& a, const BPacker& b, const GemmOutput& out);

// Strided row-major matrix packers (op = identity or transpose); alpha is folded into A.
class MatrixAPacker final : public APacker {
 public:
  MatrixAPacker(const float* a, int64_t lda, bool trans, float alpha) : a_(a), lda_(lda), trans_(trans), alpha_(alpha) {}
  void Pack(int64_t m0, int mc, int64_t k0, int kc, int mr, float* dst) const override;

 private:
  const float* a_;
  int64_t lda_;
  bool trans_;
  float alpha_;
};

class MatrixBPacker final : public BPacker {
 public:
  MatrixBPacker(const float* b, int64_t ldb, bool trans) : b_(b), ldb_(ldb), trans_(trans) {}
  void Pack(int64_t k0, int kc, int64_t n0, int nc, int nr, float* dst) const override;

 private:
  const float* b_;
  int64_t ldb_;
  bool trans_;
};

enum class Activation : int { kNone = 0, kRelu = 1, kRelu6 = 2 };
// Fills the clamp fields of an output or epilogue for an activation.
void SetActivation(Activation act, bool* clamp, float* lo, float* hi);

struct GemmArgs {
  const float* a = nullptr;
  int64_t a_length = 0;
  const float* b = nullptr;
  int64_t b_length = 0;
  float* c = nullptr;
  int64_t c_length = 0;
  const float* bias = nullptr;  // optional, length n
  int64_t bias_length = 0;
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  float alpha = 1.0f, beta = 0.0f;
  Activation activation = Activation::kNone;
};

// C = activation(alpha * op(A) * op(B) + beta * C + bias). A is M x K (K x M when transposed), B is K x N
// (N x K when transposed), all row-major and dense. Validates every length.
Status Gemm(const GemmArgs& args);

}  // namespace amc
