// f32 filter-gradient microkernels, AVX-512 (F): as the AVX2 ones with 16-float vectors and masked loads and
// stores on partial tiles.
#include <immintrin.h>

#include "amc/conv.h"

namespace amc {
namespace {

template <int MR, int NV>
inline void WgradAvx512(int64_t kc, const float* const* a, int64_t a_offset, const float* __restrict b,
                        int64_t b_stride, float* c, int64_t ldc, int m, int n) {
  __m512 acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_setzero_ps();
  }
  __mmask16 mask[NV];
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) {
    const int valid = n - j * 16;
    mask[j] = valid >= 16 ? static_cast<__mmask16>(0xFFFF)
                          : (valid <= 0 ? static_cast<__mmask16>(0) : static_cast<__mmask16>((1u << valid) - 1u));
  }
#pragma GCC unroll 1
  for (int64_t k = 0; k < kc; ++k) {
    const float* ak = a[k] + a_offset;
    __m512 bv[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) bv[j] = _mm512_maskz_loadu_ps(mask[j], b + j * 16);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const __m512 av = _mm512_set1_ps(ak[i]);
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_fmadd_ps(av, bv[j], acc[i][j]);
    }
    b += b_stride;
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    if (i >= m) break;
    float* row = c + i * ldc;
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) {
      const __m512 old = _mm512_maskz_loadu_ps(mask[j], row + j * 16);
      _mm512_mask_storeu_ps(row + j * 16, mask[j], _mm512_add_ps(old, acc[i][j]));
    }
  }
}

}  // namespace

void f32_wgrad_ukernel_8x32__avx512(int64_t kc, const float* const* a, int64_t a_offset, const float* b,
                                    int64_t b_stride, float* c, int64_t ldc, int m, int n) {
  WgradAvx512<8, 2>(kc, a, a_offset, b, b_stride, c, ldc, m, n);
}

void f32_wgrad_ukernel_12x16__avx512(int64_t kc, const float* const* a, int64_t a_offset, const float* b,
                                     int64_t b_stride, float* c, int64_t ldc, int m, int n) {
  WgradAvx512<12, 1>(kc, a, a_offset, b, b_stride, c, ldc, m, n);
}

}  // namespace amc
