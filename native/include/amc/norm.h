// The norm family: batch normalisation over the channels of an NHWC tensor (viewed as [rows, channels] with the
// channels innermost), for training and inference, and its training-mode gradient. These are the kernels behind
// the amc-native tfjs backend's batch-norm fast path: one pass for the statistics and one to normalise forward,
// one pass for the reductions and one for dx backward (tfjs's composite ops take ~25 full passes).
//
// Determinism: rows are split into fixed blocks of kNormBlockRows; per-block partial sums (in double) are
// combined in block order, so results are bitwise identical for any thread count.
#pragma once
#include <cstdint>

#include "amc/gemm.h"
#include "amc/status.h"

namespace amc {

constexpr int64_t kNormBlockRows = 512;

struct BatchNormArgs {
  const float* x = nullptr;
  int64_t x_length = 0;
  int64_t rows = 0, channels = 0;
  const float* gamma = nullptr;  // optional, channels values (default 1)
  int64_t gamma_length = 0;
  const float* beta = nullptr;   // optional, channels values (default 0)
  int64_t beta_length = 0;
  float epsilon = 1e-3f;
  bool training = false;          // true: compute mean / variance (biased) from x and write them; false: read them
  float* mean = nullptr;          // channels values
  int64_t mean_length = 0;
  float* variance = nullptr;      // channels values
  int64_t variance_length = 0;
  Activation activation = Activation::kNone;
  float* out = nullptr;           // rows * channels values (may alias x)
  int64_t out_length = 0;
};

// out = act(gamma * (x - mean) / sqrt(variance + epsilon) + beta), per channel.
Status BatchNorm(const BatchNormArgs& args);

struct BatchNormGradArgs {
  const float* dy = nullptr;
  int64_t dy_length = 0;
  const float* x = nullptr;
  int64_t x_length = 0;
  int64_t rows = 0, channels = 0;
  const float* gamma = nullptr;  // optional (default 1)
  int64_t gamma_length = 0;
  const float* mean = nullptr;   // the batch statistics of the forward pass
  int64_t mean_length = 0;
  const float* variance = nullptr;
  int64_t variance_length = 0;
  float epsilon = 1e-3f;
  float* dx = nullptr;           // rows * channels (must not alias dy or x)
  int64_t dx_length = 0;
  float* dgamma = nullptr;       // channels
  int64_t dgamma_length = 0;
  float* dbeta = nullptr;        // channels
  int64_t dbeta_length = 0;
};

// Gradient of training-mode batch norm (mean and variance computed from x itself) with respect to x, gamma and
// beta.
Status BatchNormGrad(const BatchNormGradArgs& args);

}  // namespace amc
