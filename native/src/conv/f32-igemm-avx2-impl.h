// Templates of the AVX2 igemm microkernels (contract: IgemmUkernelFn in amc/conv.h). Included by the AVX2 file,
// and by the AVX-512 file for its 256-bit variant (which then also gets the 16 extra registers of AVX-512VL).
// Everything sits in an anonymous namespace so that each translation unit keeps its own copy, compiled with its
// own ISA flags: the linker must never merge an AVX-512 instantiation into the AVX2 path.
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "amc/conv.h"

namespace amc {
namespace {

// Stores the first n (1..8) lanes of v at dst.
inline void StorePartialAvx2(float* dst, __m256 v, int n) {
  if (n >= 8) {
    _mm256_storeu_ps(dst, v);
    return;
  }
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), lanes);
  _mm256_maskstore_ps(dst, mask, v);
}

inline __m256 ClampAvx2(__m256 v, const IgemmParams& p) {
  return _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(p.lo)), _mm256_set1_ps(p.hi));
}

// MR rows x 8 * NV columns in MR * NV accumulators; per k: NV weight loads, MR broadcasts from the row pointers.
template <int MR, int NV>
inline void IgemmK1Avx2(int64_t ks, int64_t kc, const float* const* a, const int64_t* tap_offsets,
                        const float* __restrict w, float* const* c, int m, int n, const IgemmParams& p) {
  constexpr int NR = 8 * NV;
  __m256 acc[MR][NV];
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) {
    const __m256 bias = _mm256_loadu_ps(w + j * 8);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) acc[i][j] = bias;
  }
  w += NR;
  const float* ar[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) ar[i] = a[i];
  for (int64_t t = 0; t < ks; ++t) {
    const int64_t begin = tap_offsets[t];
    const int64_t end = begin + kc;
#pragma GCC unroll 1
    for (int64_t q = begin; q < end; ++q) {
      __m256 b[NV];
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) b[j] = _mm256_loadu_ps(w + j * 8);
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
        const __m256 av = _mm256_broadcast_ss(ar[i] + q);
#pragma GCC unroll 4
        for (int j = 0; j < NV; ++j) acc[i][j] = _mm256_fmadd_ps(av, b[j], acc[i][j]);
      }
      w += NR;
    }
  }
  if (p.clamp) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[i][j] = ClampAvx2(acc[i][j], p);
    }
  }
  if (n == NR) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      if (i >= m) break;
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) _mm256_storeu_ps(c[i] + j * 8, acc[i][j]);
    }
  } else {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      if (i >= m) break;
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) {
        if (n > j * 8) StorePartialAvx2(c[i] + j * 8, acc[i][j], n - j * 8);
      }
    }
  }
}

// MR rows x 4 * NG columns (NG = 2: 8, NG = 3: 12), k consumed in pairs: one 8-byte broadcast (a[k], a[k + 1])
// feeds NG FMAs against the pair-interleaved weights b_g = (W[k][4g], W[k+1][4g], ..., W[k+1][4g + 3]). Lanes 2j
// and 2j + 1 hold the even-k and odd-k partial sums of a column; horizontal adds per row finish the tile. No
// shuffle in the k loop, so 12 columns cost exactly 1.5 FMAs per row and k.
template <int MR, int NG = 2>
inline void IgemmK2Avx2(int64_t ks, int64_t kc, const float* const* a, const int64_t* tap_offsets,
                        const float* __restrict w, float* const* c, int m, int n, const IgemmParams& p) {
  static_assert(NG == 2 || NG == 3, "8 or 12 columns");
  constexpr int NR = 4 * NG;
  const float* const bias = w;
  w += NR;
  __m256 acc[MR][NG];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
    for (int g = 0; g < NG; ++g) acc[i][g] = _mm256_setzero_ps();
  }
  const float* ar[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) ar[i] = a[i];
  for (int64_t t = 0; t < ks; ++t) {
    const int64_t begin = tap_offsets[t];
    const int64_t end = begin + kc;
#pragma GCC unroll 1
    for (int64_t q = begin; q < end; q += 2) {
      __m256 b[NG];
#pragma GCC unroll 4
      for (int g = 0; g < NG; ++g) b[g] = _mm256_loadu_ps(w + 8 * g);
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
        double pair;
        __builtin_memcpy(&pair, ar[i] + q, sizeof(pair));
        const __m256 av = _mm256_castpd_ps(_mm256_set1_pd(pair));
#pragma GCC unroll 4
        for (int g = 0; g < NG; ++g) acc[i][g] = _mm256_fmadd_ps(av, b[g], acc[i][g]);
      }
      w += 2 * NR;
    }
  }
  const __m256 bias0 = _mm256_loadu_ps(bias);
  const __m128 bias1 = NG == 3 ? _mm_loadu_ps(bias + 8) : _mm_setzero_ps();
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    if (i >= m) break;
    // hadd gives (c0, c1, c4, c5 | c2, c3, c6, c7); swapping the middle 64-bit pairs restores column order.
    __m256 v = _mm256_hadd_ps(acc[i][0], acc[i][1]);
    v = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), 0xD8));
    v = _mm256_add_ps(v, bias0);
    if (p.clamp) v = ClampAvx2(v, p);
    StorePartialAvx2(c[i], v, n);
    if constexpr (NG == 3) {
      if (n > 8) {
        __m256 u = _mm256_hadd_ps(acc[i][2], acc[i][2]);
        u = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(u), 0xD8));
        __m128 h = _mm_add_ps(_mm256_castps256_ps128(u), bias1);
        if (p.clamp) h = _mm_min_ps(_mm_max_ps(h, _mm_set1_ps(p.lo)), _mm_set1_ps(p.hi));
        if (n >= 12) {
          _mm_storeu_ps(c[i] + 8, h);
        } else {
          const __m128i mask = _mm_cmpgt_epi32(_mm_set1_epi32(n - 8), _mm_setr_epi32(0, 1, 2, 3));
          _mm_maskstore_ps(c[i] + 8, mask, h);
        }
      }
    }
  }
}

}  // namespace
}  // namespace amc
