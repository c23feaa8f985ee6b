// f32 filter-gradient microkernels, AVX2 + FMA: MR input channels x 8 * NV output channels in registers for a
// whole run of pixels; per pixel one row-pointer load, NV loads of dy (masked on a partial tile) and MR
// broadcasts of the input.
#include <immintrin.h>

#include "amc/conv.h"

namespace amc {
namespace {

template <int MR, int NV, bool kFull>
inline void WgradAvx2(int64_t kc, const float* const* a, int64_t a_offset, const float* __restrict b,
                      int64_t b_stride, float* c, int64_t ldc, int m, int n) {
  __m256 acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) acc[i][j] = _mm256_setzero_ps();
  }
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256i mask[NV];
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) mask[j] = _mm256_cmpgt_epi32(_mm256_set1_epi32(n - j * 8), lanes);
#pragma GCC unroll 1
  for (int64_t k = 0; k < kc; ++k) {
    const float* ak = a[k] + a_offset;
    __m256 bv[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) bv[j] = kFull ? _mm256_loadu_ps(b + j * 8) : _mm256_maskload_ps(b + j * 8, mask[j]);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const __m256 av = _mm256_broadcast_ss(ak + i);
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[i][j] = _mm256_fmadd_ps(av, bv[j], acc[i][j]);
    }
    b += b_stride;
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    if (i >= m) break;
    float* row = c + i * ldc;
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) {
      if (kFull) {
        _mm256_storeu_ps(row + j * 8, _mm256_add_ps(_mm256_loadu_ps(row + j * 8), acc[i][j]));
      } else {
        const __m256 old = _mm256_maskload_ps(row + j * 8, mask[j]);
        _mm256_maskstore_ps(row + j * 8, mask[j], _mm256_add_ps(old, acc[i][j]));
      }
    }
  }
}

template <int MR, int NV>
inline void WgradDispatch(int64_t kc, const float* const* a, int64_t a_offset, const float* b, int64_t b_stride,
                          float* c, int64_t ldc, int m, int n) {
  if (n == 8 * NV) {
    WgradAvx2<MR, NV, true>(kc, a, a_offset, b, b_stride, c, ldc, m, n);
  } else {
    WgradAvx2<MR, NV, false>(kc, a, a_offset, b, b_stride, c, ldc, m, n);
  }
}

}  // namespace

void f32_wgrad_ukernel_6x16__avx2(int64_t kc, const float* const* a, int64_t a_offset, const float* b,
                                  int64_t b_stride, float* c, int64_t ldc, int m, int n) {
  WgradDispatch<6, 2>(kc, a, a_offset, b, b_stride, c, ldc, m, n);
}

void f32_wgrad_ukernel_12x8__avx2(int64_t kc, const float* const* a, int64_t a_offset, const float* b,
                                  int64_t b_stride, float* c, int64_t ldc, int m, int n) {
  WgradDispatch<12, 1>(kc, a, a_offset, b, b_stride, c, ldc, m, n);
}

}  // namespace amc
