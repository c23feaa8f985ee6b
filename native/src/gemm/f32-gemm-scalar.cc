// f32 GEMM microkernel, portable C++ (the reference variant every CPU has).
#include <algorithm>

#include "amc/gemm.h"

namespace amc {

void f32_gemm_ukernel_4x8__scalar(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int m, int n,
                                  const GemmEpilogue& ep) {
  constexpr int MR = 4;
  constexpr int NR = 8;
  float acc[MR][NR] = {};
  for (int64_t p = 0; p < kc; ++p) {
    for (int i = 0; i < MR; ++i) {
      const float av = a[i];
      for (int j = 0; j < NR; ++j) acc[i][j] += av * b[j];
    }
    a += MR;
    b += NR;
  }
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      float v = acc[i][j];
      if (ep.bias != nullptr) v += ep.bias[j];
      if (ep.accumulate) v += c[i * ldc + j];
      if (ep.clamp) v = std::min(std::max(v, ep.lo), ep.hi);
      c[i * ldc + j] = v;
    }
  }
}

}  // namespace amc
