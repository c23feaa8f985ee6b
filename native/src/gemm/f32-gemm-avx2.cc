// f32 GEMM microkernels, AVX2 + FMA. MR rows x (8 * NV) columns in MR * NV ymm accumulators (at most 12 of
// the 16 registers). Full tiles store directly; partial tiles go through a stack tile so C is never touched
// outside the m x n corner.
#include <immintrin.h>

#include "amc/gemm.h"

namespace amc {
namespace {

template <int MR, int NV>
inline void UkernelAvx2(int64_t kc, const float* __restrict a, const float* __restrict b, float* __restrict c,
                        int64_t ldc, int m, int n, const GemmEpilogue& ep) {
  constexpr int NR = 8 * NV;
  // Touch the C tile early: its lines arrive while the k loop runs instead of stalling the stores.
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    if (i < m) {
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + NR - 1), _MM_HINT_T0);
    }
  }
  __m256 acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) acc[i][j] = _mm256_setzero_ps();
  }
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    __m256 bv[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) bv[j] = _mm256_loadu_ps(b + j * 8);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const __m256 av = _mm256_broadcast_ss(a + i);
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[i][j] = _mm256_fmadd_ps(av, bv[j], acc[i][j]);
    }
    a += MR;
    b += NR;
  }
  const bool full = m == MR && n == NR;
  float tile[MR * NR];
  float* out = full ? c : tile;
  const int64_t ld = full ? ldc : NR;
  if (!full) {
    for (int i = 0; i < m; ++i) {
      for (int j = 0; j < n; ++j) tile[i * NR + j] = c[i * ldc + j];
    }
  }
  __m256 bias[NV];
  alignas(32) float bias_tile[NR] = {};
  if (ep.bias != nullptr) {
    for (int j = 0; j < n; ++j) bias_tile[j] = ep.bias[j];
  }
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) bias[j] = _mm256_load_ps(bias_tile + j * 8);
  const __m256 lo = _mm256_set1_ps(ep.lo);
  const __m256 hi = _mm256_set1_ps(ep.hi);
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    float* row = out + i * ld;
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) {
      __m256 v = _mm256_add_ps(acc[i][j], bias[j]);
      // Rows past m in the stack tile hold garbage; they are computed but never copied out.
      if (ep.accumulate && (full || i < m)) v = _mm256_add_ps(v, _mm256_loadu_ps(row + j * 8));
      if (ep.clamp) v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
      _mm256_storeu_ps(row + j * 8, v);
    }
  }
  if (!full) {
    for (int i = 0; i < m; ++i) {
      for (int j = 0; j < n; ++j) c[i * ldc + j] = tile[i * NR + j];
    }
  }
}

}  // namespace

void f32_gemm_ukernel_6x16__avx2(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int m, int n,
                                 const GemmEpilogue& ep) {
  UkernelAvx2<6, 2>(kc, a, b, c, ldc, m, n, ep);
}

void f32_gemm_ukernel_4x24__avx2(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int m, int n,
                                 const GemmEpilogue& ep) {
  UkernelAvx2<4, 3>(kc, a, b, c, ldc, m, n, ep);
}

}  // namespace amc
