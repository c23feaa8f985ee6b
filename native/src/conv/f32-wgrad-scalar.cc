// f32 filter-gradient microkernel, portable C++.
#include "amc/conv.h"

namespace amc {

void f32_wgrad_ukernel_4x8__scalar(int64_t kc, const float* const* a, int64_t a_offset, const float* b,
                                   int64_t b_stride, float* c, int64_t ldc, int m, int n) {
  constexpr int MR = 4;
  constexpr int NR = 8;
  float acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    const float* ak = a[k] + a_offset;
    const float* bk = b + k * b_stride;
    for (int i = 0; i < MR; ++i) {
      for (int j = 0; j < n; ++j) acc[i][j] += ak[i] * bk[j];
    }
  }
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) c[i * ldc + j] += acc[i][j];
  }
}

}  // namespace amc
