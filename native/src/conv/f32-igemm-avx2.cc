// f32 igemm microkernels, AVX2 + FMA (templates in f32-igemm-avx2-impl.h).
#include "conv/f32-igemm-avx2-impl.h"

namespace amc {

void f32_igemm_ukernel_6x16__avx2(int64_t ks, int64_t kc, const float* const* a, const int64_t* tap_offsets,
                                  const float* w, float* const* c, int m, int n, const IgemmParams& p) {
  IgemmK1Avx2<6, 2>(ks, kc, a, tap_offsets, w, c, m, n, p);
}

void f32_igemm_ukernel_6x8k2__avx2(int64_t ks, int64_t kc, const float* const* a, const int64_t* tap_offsets,
                                   const float* w, float* const* c, int m, int n, const IgemmParams& p) {
  IgemmK2Avx2<6>(ks, kc, a, tap_offsets, w, c, m, n, p);
}

void f32_igemm_ukernel_4x12k2__avx2(int64_t ks, int64_t kc, const float* const* a, const int64_t* tap_offsets,
                                    const float* w, float* const* c, int m, int n, const IgemmParams& p) {
  IgemmK2Avx2<4, 3>(ks, kc, a, tap_offsets, w, c, m, n, p);
}

}  // namespace amc
