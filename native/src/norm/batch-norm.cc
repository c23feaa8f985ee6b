// Batch normalisation over [rows, channels] (channels innermost): validation and the ISA dispatch. The compute
// (statistics in double over fixed row blocks, combined in block order so any thread count gives the same bits,
// then a per-channel scale/shift pass) is in f32-norm-impl.h, compiled per ISA.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "amc/norm.h"
#include "norm/f32-norm.h"

namespace amc {
namespace norm {

extern const Kernels kF32Norm_scalar;
extern const Kernels kF32Norm_avx2;
extern const Kernels kF32Norm_avx512;

const Kernels* KernelTable(int* count) {
  // Copied at first use (the variants are defined in their own translation units).
  static const Kernels table[] = {kF32Norm_scalar, kF32Norm_avx2, kF32Norm_avx512};
  *count = static_cast<int>(sizeof(table) / sizeof(table[0]));
  return table;
}

const Kernels& Select() {
  int count = 0;
  const Kernels* table = KernelTable(&count);
  return BestVariant(table, count);
}

}  // namespace norm

namespace {

Status CheckLength(const char* op, const char* arg, int64_t got, int64_t want) {
  if (got != want) {
    return ArgError(StatusCode::kShapeMismatch, op, arg, "length " + std::to_string(want), "length " + std::to_string(got));
  }
  return Status::Ok();
}

Status CheckOptional(const char* op, const char* arg, const float* p, int64_t got, int64_t want) {
  if (p == nullptr) return Status::Ok();
  return CheckLength(op, arg, got, want);
}

Status CheckShape(const char* op, int64_t rows, int64_t channels) {
  if (rows < 1 || channels < 1) {
    return ArgError(StatusCode::kInvalidArgument, op, "rows / channels", "positive sizes",
                    std::to_string(rows) + " x " + std::to_string(channels));
  }
  if (rows > (int64_t{1} << 31) / channels) {
    return ArgError(StatusCode::kInvalidArgument, op, "rows * channels", "at most 2^31", "a larger product");
  }
  return Status::Ok();
}

}  // namespace

Status BatchNorm(const BatchNormArgs& a) {
  const char* op = "batchNorm";
  AMC_RETURN_IF_ERROR(CheckShape(op, a.rows, a.channels));
  const int64_t n = a.rows * a.channels;
  const int64_t c = a.channels;
  AMC_RETURN_IF_ERROR(CheckLength(op, "x", a.x_length, n));
  AMC_RETURN_IF_ERROR(CheckLength(op, "out", a.out_length, n));
  AMC_RETURN_IF_ERROR(CheckLength(op, "mean", a.mean_length, c));
  AMC_RETURN_IF_ERROR(CheckLength(op, "variance", a.variance_length, c));
  AMC_RETURN_IF_ERROR(CheckOptional(op, "gamma", a.gamma, a.gamma_length, c));
  AMC_RETURN_IF_ERROR(CheckOptional(op, "beta", a.beta, a.beta_length, c));
  if (!(a.epsilon >= 0.0f) || !std::isfinite(a.epsilon)) {
    return ArgError(StatusCode::kInvalidArgument, op, "epsilon", "a finite number >= 0", std::to_string(a.epsilon));
  }
  norm::Select().batch_norm(a);
  return Status::Ok();
}

Status BatchNormGrad(const BatchNormGradArgs& a) {
  const char* op = "batchNormGrad";
  AMC_RETURN_IF_ERROR(CheckShape(op, a.rows, a.channels));
  const int64_t n = a.rows * a.channels;
  const int64_t c = a.channels;
  AMC_RETURN_IF_ERROR(CheckLength(op, "dy", a.dy_length, n));
  AMC_RETURN_IF_ERROR(CheckLength(op, "x", a.x_length, n));
  AMC_RETURN_IF_ERROR(CheckLength(op, "dx", a.dx_length, n));
  AMC_RETURN_IF_ERROR(CheckLength(op, "mean", a.mean_length, c));
  AMC_RETURN_IF_ERROR(CheckLength(op, "variance", a.variance_length, c));
  AMC_RETURN_IF_ERROR(CheckLength(op, "dgamma", a.dgamma_length, c));
  AMC_RETURN_IF_ERROR(CheckLength(op, "dbeta", a.dbeta_length, c));
  AMC_RETURN_IF_ERROR(CheckOptional(op, "gamma", a.gamma, a.gamma_length, c));
  if (!(a.epsilon >= 0.0f) || !std::isfinite(a.epsilon)) {
    return ArgError(StatusCode::kInvalidArgument, op, "epsilon", "a finite number >= 0", std::to_string(a.epsilon));
  }
  norm::Select().batch_norm_grad(a);
  return Status::Ok();
}

}  // namespace amc
