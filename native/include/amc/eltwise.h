// The eltwise family: elementwise float32 ops of training (activations, their gradients, the arithmetic of
// optimisers and residual adds), vectorised per ISA and split over the thread pool in fixed chunks.
//
// Broadcasting is "rows": when a and b differ in length, the longer one's length must be a multiple of the
// shorter's and the shorter one repeats along it (a scalar is a row of 1; a per-channel vector against an NHWC
// tensor is a row of C). That covers what the tfjs backend needs; it resolves other broadcasts itself.
#pragma once
#include <cstdint>

#include "amc/isa.h"
#include "amc/status.h"

namespace amc {

enum class UnaryOp : int { kRelu = 0, kRelu6 = 1, kStep = 2, kNeg = 3, kSquare = 4, kAbs = 5, kSqrt = 6, kRsqrt = 7 };
constexpr int kUnaryOpCount = 8;
enum class BinaryOp : int { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kMax = 4, kMin = 5, kSquaredDiff = 6 };
constexpr int kBinaryOpCount = 7;

struct UnaryArgs {
  UnaryOp op = UnaryOp::kRelu;
  const float* x = nullptr;
  int64_t x_length = 0;
  float alpha = 0.0f;  // kStep: the value for x <= 0
  float* out = nullptr;  // may alias x
  int64_t out_length = 0;
};
Status Unary(const UnaryArgs& args);

struct BinaryArgs {
  BinaryOp op = BinaryOp::kAdd;
  const float* a = nullptr;
  int64_t a_length = 0;
  const float* b = nullptr;
  int64_t b_length = 0;
  float* out = nullptr;  // max(a_length, b_length) values; may alias the longer input
  int64_t out_length = 0;
};
Status Binary(const BinaryArgs& args);

// out = dy * mask, mask 1 where 0 < x <= upper, 0 elsewhere, NaN where x is NaN: tfjs's relu / relu6 gradients
// mul(dy, step(x)) exactly (upper is +inf for relu, 6 for relu6).
// With clip: out = dy where lower <= x <= upper, else 0 (also where x is NaN): tfjs's clipByValue gradient
// where(logicalAnd(greaterEqual(x, lower), lessEqual(x, upper)), dy, 0) exactly.
struct ActivationGradArgs {
  const float* dy = nullptr;
  int64_t dy_length = 0;
  const float* x = nullptr;
  int64_t x_length = 0;
  float upper = 0.0f;
  float lower = 0.0f;  // clip only
  bool clip = false;
  float* out = nullptr;
  int64_t out_length = 0;
};
Status ActivationGrad(const ActivationGradArgs& args);

namespace eltwise {
// One ISA variant's loops over a contiguous range.
struct Kernels {
  const char* name;
  Isa isa;
  void (*unary)(UnaryOp op, const float* x, float* out, int64_t n, float alpha);
  // rows: a (or b) repeats every `m` elements of the output, starting at element offset `start` of the pattern.
  void (*binary_same)(BinaryOp op, const float* a, const float* b, float* out, int64_t n);
  void (*binary_scalar_a)(BinaryOp op, float a, const float* b, float* out, int64_t n);
  void (*binary_scalar_b)(BinaryOp op, const float* a, float b, float* out, int64_t n);
  void (*activation_grad)(const float* dy, const float* x, float upper, float* out, int64_t n);
  void (*clip_grad)(const float* dy, const float* x, float lower, float upper, float* out, int64_t n);
};
const Kernels* KernelTable(int* count);
const Kernels& Select();
}  // namespace eltwise

}  // namespace amc
