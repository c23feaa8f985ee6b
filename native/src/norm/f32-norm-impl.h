// The compute of the norm family, written once and compiled per ISA (f32-norm-<isa>.cc include this file with
// their own flags; the compiler vectorises the per-channel loops for that ISA). batch-norm.cc validates and
// dispatches.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "amc/norm.h"
#include "amc/thread-pool.h"

namespace amc::norm::AMC_NORM_NS {

inline int64_t NumBlocks(int64_t rows) { return (rows + kNormBlockRows - 1) / kNormBlockRows; }

// Per-channel sums of f(row, channel) over all rows, in double, deterministic for any thread count.
template <typename F>
inline void ChannelSums(int64_t rows, int64_t channels, int sums_per_channel, std::vector<double>* result, F accumulate) {
  const int64_t blocks = NumBlocks(rows);
  const int64_t width = channels * sums_per_channel;
  std::vector<double> partial(static_cast<size_t>(blocks * width), 0.0);
  ParallelFor(blocks, [&](int64_t b) {
    double* acc = partial.data() + b * width;
    const int64_t r0 = b * kNormBlockRows;
    const int64_t r1 = std::min(rows, r0 + kNormBlockRows);
    for (int64_t r = r0; r < r1; ++r) accumulate(r, acc);
  });
  result->assign(static_cast<size_t>(width), 0.0);
  for (int64_t b = 0; b < blocks; ++b) {
    const double* acc = partial.data() + b * width;
    for (int64_t j = 0; j < width; ++j) (*result)[j] += acc[j];
  }
}


inline void BatchNormRun(const BatchNormArgs& a) {
  const int64_t c = a.channels;
  if (a.training) {
    std::vector<double> sums;
    const float* x = a.x;
    // Sums shifted by the first row (a cheap guard against cancellation when |mean| >> std).
    ChannelSums(a.rows, c, 2, &sums, [&](int64_t r, double* acc) {
      const float* row = x + r * c;
      for (int64_t j = 0; j < c; ++j) {
        const double d = static_cast<double>(row[j]) - static_cast<double>(x[j]);
        acc[j] += d;
        acc[c + j] += d * d;
      }
    });
    const double inv = 1.0 / static_cast<double>(a.rows);
    for (int64_t j = 0; j < c; ++j) {
      const double m = sums[j] * inv;
      a.mean[j] = static_cast<float>(m + static_cast<double>(x[j]));
      a.variance[j] = static_cast<float>(std::max(0.0, sums[c + j] * inv - m * m));
    }
  }
  std::vector<float> scale(static_cast<size_t>(c)), shift(static_cast<size_t>(c));
  for (int64_t j = 0; j < c; ++j) {
    const float g = a.gamma ? a.gamma[j] : 1.0f;
    const float b = a.beta ? a.beta[j] : 0.0f;
    const float s = g / std::sqrt(a.variance[j] + a.epsilon);
    scale[j] = s;
    shift[j] = b - a.mean[j] * s;
  }
  bool clamp = false;
  float lo = 0.0f, hi = 0.0f;
  SetActivation(a.activation, &clamp, &lo, &hi);
  const float* x = a.x;
  float* out = a.out;
  const float* sc = scale.data();
  const float* sh = shift.data();
  ParallelFor(NumBlocks(a.rows), [&](int64_t b) {
    const int64_t r0 = b * kNormBlockRows;
    const int64_t r1 = std::min(a.rows, r0 + kNormBlockRows);
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * c;
      float* yr = out + r * c;
      if (clamp) {
        for (int64_t j = 0; j < c; ++j) yr[j] = std::min(std::max(xr[j] * sc[j] + sh[j], lo), hi);
      } else {
        for (int64_t j = 0; j < c; ++j) yr[j] = xr[j] * sc[j] + sh[j];
      }
    }
  });
}

inline void BatchNormGradRun(const BatchNormGradArgs& a) {
  const int64_t c = a.channels;
  std::vector<double> sums;
  const float* dy = a.dy;
  const float* x = a.x;
  const float* mean = a.mean;
  ChannelSums(a.rows, c, 2, &sums, [&](int64_t r, double* acc) {
    const float* dr = dy + r * c;
    const float* xr = x + r * c;
    for (int64_t j = 0; j < c; ++j) {
      acc[j] += dr[j];
      acc[c + j] += static_cast<double>(dr[j]) * static_cast<double>(xr[j] - mean[j]);
    }
  });
  const double inv_n = 1.0 / static_cast<double>(a.rows);
  std::vector<float> k_dy(static_cast<size_t>(c)), k_x(static_cast<size_t>(c)), k_0(static_cast<size_t>(c));
  for (int64_t j = 0; j < c; ++j) {
    const double invstd = 1.0 / std::sqrt(static_cast<double>(a.variance[j]) + static_cast<double>(a.epsilon));
    const double g = a.gamma ? a.gamma[j] : 1.0;
    a.dbeta[j] = static_cast<float>(sums[j]);
    a.dgamma[j] = static_cast<float>(sums[c + j] * invstd);
    // dx = g * invstd * (dy - mean(dy) - (x - mean) * invstd^2 * mean(dy * (x - mean)))
    k_dy[j] = static_cast<float>(g * invstd);
    k_x[j] = static_cast<float>(-g * invstd * invstd * invstd * sums[c + j] * inv_n);
    k_0[j] = static_cast<float>(-g * invstd * sums[j] * inv_n - static_cast<double>(k_x[j]) * mean[j]);
  }
  const float* kd = k_dy.data();
  const float* kx = k_x.data();
  const float* k0 = k_0.data();
  float* dx = a.dx;
  ParallelFor(NumBlocks(a.rows), [&](int64_t b) {
    const int64_t r0 = b * kNormBlockRows;
    const int64_t r1 = std::min(a.rows, r0 + kNormBlockRows);
    for (int64_t r = r0; r < r1; ++r) {
      const float* dr = dy + r * c;
      const float* xr = x + r * c;
      float* o = dx + r * c;
      for (int64_t j = 0; j < c; ++j) o[j] = dr[j] * kd[j] + xr[j] * kx[j] + k0[j];
    }
  });
}

}  // namespace amc::norm::AMC_NORM_NS
