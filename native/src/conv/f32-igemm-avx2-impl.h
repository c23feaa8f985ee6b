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

// MR rows x 8 columns, k consumed in pairs: one 8-byte broadcast (a[k], a[k + 1]) feeds two FMAs against the
// pair-interleaved weights b0 = (W[k][0], W[k+1][0], ..., W[k+1][3]) and b1 (columns 4..7). Lanes 2j and 2j + 1
// hold the even-k and odd-k partial sums of a column; one horizontal add per row finishes the tile.
template <int MR>
inline void IgemmK2Avx2(int64_t ks, int64_t kc, const float* const* a, const int64_t* tap_offsets,
                        const float* __restrict w, float* const* c, int m, int n, const IgemmParams& p) {
  const __m256 bias = _mm256_loadu_ps(w);
  w += 8;
  __m256 acc0[MR], acc1[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    acc0[i] = _mm256_setzero_ps();
    acc1[i] = _mm256_setzero_ps();
  }
  const float* ar[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) ar[i] = a[i];
  for (int64_t t = 0; t < ks; ++t) {
    const int64_t begin = tap_offsets[t];
    const int64_t end = begin + kc;
#pragma GCC unroll 1
    for (int64_t q = begin; q < end; q += 2) {
      const __m256 b0 = _mm256_loadu_ps(w);
      const __m256 b1 = _mm256_loadu_ps(w + 8);
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
        double pair;
        __builtin_memcpy(&pair, ar[i] + q, sizeof(pair));
        const __m256 av = _mm256_castpd_ps(_mm256_set1_pd(pair));
        acc0[i] = _mm256_fmadd_ps(av, b0, acc0[i]);
        acc1[i] = _mm256_fmadd_ps(av, b1, acc1[i]);
      }
      w += 16;
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    if (i >= m) break;
    // hadd gives (c0, c1, c4, c5 | c2, c3, c6, c7); swapping the middle 64-bit pairs restores column order.
    __m256 v = _mm256_hadd_ps(acc0[i], acc1[i]);
    v = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), 0xD8));
    v = _mm256_add_ps(v, bias);
    if (p.clamp) v = ClampAvx2(v, p);
    StorePartialAvx2(c[i], v, n);
  }
}

// MR rows x 12 columns (MR even) at the FMA cost of 12 full columns, for panels of 8q + 4 columns (channel counts
// pruned to multiples of 4). Columns 0..7 of each row sit in one accumulator; columns 8..11 of rows i and i + 1
// share one (lanes 0-3 row i, lanes 4-7 row i + 1), fed by a blend of the two rows' broadcasts against the
// 4-column weight block duplicated in both halves. Packed weights: 12 bias values, then [t][k][12].
template <int MR>
inline void IgemmN12Avx2(int64_t ks, int64_t kc, const float* const* a, const int64_t* tap_offsets,
                         const float* __restrict w, float* const* c, int m, int n, const IgemmParams& p) {
  static_assert(MR % 2 == 0, "rows go in pairs");
  constexpr int HR = MR / 2;
  __m256 acc[MR];
  __m256 accp[HR];
  {
    const __m256 bias0 = _mm256_loadu_ps(w);
    const __m256 bias1 = _mm256_broadcast_ps(reinterpret_cast<const __m128*>(w + 8));
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) acc[i] = bias0;
#pragma GCC unroll 8
    for (int h = 0; h < HR; ++h) accp[h] = bias1;
  }
  w += 12;
  const float* ar[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) ar[i] = a[i];
  for (int64_t t = 0; t < ks; ++t) {
    const int64_t begin = tap_offsets[t];
    const int64_t end = begin + kc;
#pragma GCC unroll 1
    for (int64_t q = begin; q < end; ++q) {
      const __m256 b0 = _mm256_loadu_ps(w);
      const __m256 b1 = _mm256_broadcast_ps(reinterpret_cast<const __m128*>(w + 8));
#pragma GCC unroll 8
      for (int h = 0; h < HR; ++h) {
        const __m256 va = _mm256_broadcast_ss(ar[2 * h] + q);
        const __m256 vb = _mm256_broadcast_ss(ar[2 * h + 1] + q);
        acc[2 * h] = _mm256_fmadd_ps(va, b0, acc[2 * h]);
        acc[2 * h + 1] = _mm256_fmadd_ps(vb, b0, acc[2 * h + 1]);
        accp[h] = _mm256_fmadd_ps(_mm256_blend_ps(va, vb, 0xF0), b1, accp[h]);
      }
      w += 12;
    }
  }
  if (p.clamp) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) acc[i] = ClampAvx2(acc[i], p);
#pragma GCC unroll 8
    for (int h = 0; h < HR; ++h) accp[h] = ClampAvx2(accp[h], p);
  }
  const int tail = n - 8;  // columns 8.. of each row, at most 4
  const __m128i lanes = _mm_setr_epi32(0, 1, 2, 3);
  const __m128i tail_mask = _mm_cmpgt_epi32(_mm_set1_epi32(tail), lanes);
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    if (i >= m) break;
    StorePartialAvx2(c[i], acc[i], n);
    if (tail > 0) {
      const __m128 half = (i & 1) == 0 ? _mm256_castps256_ps128(accp[i / 2]) : _mm256_extractf128_ps(accp[i / 2], 1);
      if (tail >= 4) {
        _mm_storeu_ps(c[i] + 8, half);
      } else {
        _mm_maskstore_ps(c[i] + 8, tail_mask, half);
      }
    }
  }
}

}  // namespace
}  // namespace amc
