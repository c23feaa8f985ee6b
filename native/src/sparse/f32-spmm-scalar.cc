// f32 SpMM microkernels, portable C++ (the variants every CPU has): mr columns held in a small accumulator
// array per output row (CSR) or per 4-row block (block CSR). Same contract as the vector variants.
#include <algorithm>

#include "amc/sparse.h"

namespace amc {
namespace {

inline float ClampValue(float v, const SpmmParams& p) {
  // Comparisons written so that NaN passes through unchanged.
  if (!p.clamp) return v;
  if (v < p.lo) return p.lo;
  if (v > p.hi) return p.hi;
  return v;
}

template <int MR>
void CsrScalar(int64_t groups, int n, const float* b, const int32_t* row_ptr, const int32_t* offsets,
               const float* values, const float* bias, float* c, int64_t ldc, const SpmmParams& p) {
  for (int64_t r = 0; r < groups; ++r) {
    float acc[MR];
    const float init = bias != nullptr ? bias[r] : 0.0f;
    for (int j = 0; j < MR; ++j) acc[j] = init;
    for (int64_t e = row_ptr[r]; e < row_ptr[r + 1]; ++e) {
      const float w = values[e];
      const float* src = b + offsets[e];
      for (int j = 0; j < MR; ++j) acc[j] += w * src[j];
    }
    float* dst = c + r * ldc;
    for (int j = 0; j < n; ++j) dst[j] = ClampValue(acc[j], p);
  }
}

template <int MR>
void BlockCsrScalar(int64_t groups, int64_t m, int n, const float* b, const int32_t* row_ptr,
                    const int32_t* offsets, const float* values, const float* bias, float* c, int64_t ldc,
                    const SpmmParams& p) {
  for (int64_t g = 0; g < groups; ++g) {
    float acc[4][MR];
    for (int r = 0; r < 4; ++r) {
      const float init = bias != nullptr ? bias[4 * g + r] : 0.0f;
      for (int j = 0; j < MR; ++j) acc[r][j] = init;
    }
    for (int64_t e = row_ptr[g]; e < row_ptr[g + 1]; ++e) {
      const float* src = b + offsets[e];
      const float* w = values + 4 * e;
      for (int r = 0; r < 4; ++r) {
        for (int j = 0; j < MR; ++j) acc[r][j] += w[r] * src[j];
      }
    }
    const int64_t rows = std::min<int64_t>(4, m - 4 * g);
    for (int r = 0; r < rows; ++r) {
      float* dst = c + (4 * g + r) * ldc;
      for (int j = 0; j < n; ++j) dst[j] = ClampValue(acc[r][j], p);
    }
  }
}

}  // namespace

void f32_spmm_csr_ukernel_8__scalar(int64_t groups, int64_t m, int n, const float* b, const int32_t* row_ptr,
                                    const int32_t* offsets, const float* values, const float* bias, float* c,
                                    int64_t ldc, const SpmmParams& p) {
  CsrScalar<8>(groups, n, b, row_ptr, offsets, values, bias, c, ldc, p);
}

void f32_spmm_bcsr4_ukernel_8__scalar(int64_t groups, int64_t m, int n, const float* b, const int32_t* row_ptr,
                                      const int32_t* offsets, const float* values, const float* bias, float* c,
                                      int64_t ldc, const SpmmParams& p) {
  BlockCsrScalar<8>(groups, m, n, b, row_ptr, offsets, values, bias, c, ldc, p);
}

}  // namespace amc
