// f32 GEMM microkernels, AVX-512 (F). MR rows x (16 * NV) columns of C held in MR * NV zmm accumulators;
// per k: NV vector loads of B, MR broadcasts of A (folded into the FMA as embedded broadcasts).
// Partial tiles use masked loads and stores, so the kernel never touches C outside the m x n corner.
#include <immintrin.h>

#include "amc/gemm.h"

namespace amc {
namespace {

template <int MR, int NV>
inline void UkernelAvx512(int64_t kc, const float* __restrict a, const float* __restrict b, float* __restrict c,
                          int64_t ldc, int m, int n, const GemmEpilogue& ep) {
  constexpr int NR = 16 * NV;
  __m512 acc[MR][NV];
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_setzero_ps();
  }
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    __m512 bv[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) bv[j] = _mm512_loadu_ps(b + j * 16);
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
      const __m512 av = _mm512_set1_ps(a[i]);
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_fmadd_ps(av, bv[j], acc[i][j]);
    }
    a += MR;
    b += NR;
  }
  __mmask16 mask[NV];
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) {
    const int valid = n - j * 16;
    mask[j] = valid >= 16 ? static_cast<__mmask16>(0xFFFF)
                          : (valid <= 0 ? static_cast<__mmask16>(0) : static_cast<__mmask16>((1u << valid) - 1u));
  }
  __m512 bias[NV];
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) {
    bias[j] = ep.bias != nullptr ? _mm512_maskz_loadu_ps(mask[j], ep.bias + j * 16) : _mm512_setzero_ps();
  }
  const __m512 lo = _mm512_set1_ps(ep.lo);
  const __m512 hi = _mm512_set1_ps(ep.hi);
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
    if (i >= m) break;
    float* row = c + i * ldc;
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) {
      __m512 v = acc[i][j];
      if (ep.bias != nullptr) v = _mm512_add_ps(v, bias[j]);
      if (ep.accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask[j], row + j * 16));
      if (ep.clamp) v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
      _mm512_mask_storeu_ps(row + j * 16, mask[j], v);
    }
  }
}

}  // namespace

void f32_gemm_ukernel_14x32__avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int m, int n,
                                    const GemmEpilogue& ep) {
  UkernelAvx512<14, 2>(kc, a, b, c, ldc, m, n, ep);
}

void f32_gemm_ukernel_28x16__avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int m, int n,
                                    const GemmEpilogue& ep) {
  UkernelAvx512<28, 1>(kc, a, b, c, ldc, m, n, ep);
}

}  // namespace amc
