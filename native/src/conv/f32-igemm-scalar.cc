// f32 igemm microkernel, portable C++ (the baseline every CPU runs, and the reference layout for the others).
#include <algorithm>

#include "amc/conv.h"

namespace amc {

void f32_igemm_ukernel_4x8__scalar(int64_t ks, int64_t kc, const float* const* a, const int64_t* tap_offsets,
                                   const float* w, float* const* c, int m, int n, const IgemmParams& p) {
  constexpr int MR = 4;
  constexpr int NR = 8;
  float acc[MR][NR];
  for (int i = 0; i < MR; ++i) {
    for (int j = 0; j < NR; ++j) acc[i][j] = w[j];
  }
  w += NR;
  for (int64_t t = 0; t < ks; ++t) {
    const int64_t offset = tap_offsets[t];
    for (int64_t k = 0; k < kc; ++k) {
      for (int i = 0; i < MR; ++i) {
        const float av = a[i][offset + k];
        for (int j = 0; j < NR; ++j) acc[i][j] += av * w[j];
      }
      w += NR;
    }
  }
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      float v = acc[i][j];
      if (p.clamp) v = std::min(std::max(v, p.lo), p.hi);
      c[i][j] = v;
    }
  }
}

}  // namespace amc
