// f32 igemm microkernels, AVX-512 (F, VL). Same structure as the AVX2 ones with 16-float vectors and masked
// stores for partial tiles; the 8-column k-pair variant is the AVX2 template compiled here, where it can use
// the 32 vector registers of AVX-512VL.
// GCC 12 flags the undefined pass-through inside _mm512_min_ps / _mm512_max_ps as maybe-uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "conv/f32-igemm-avx2-impl.h"

namespace amc {
namespace {

inline __mmask16 TailMask(int valid) {
  return valid >= 16 ? static_cast<__mmask16>(0xFFFF)
                     : (valid <= 0 ? static_cast<__mmask16>(0) : static_cast<__mmask16>((1u << valid) - 1u));
}

inline __m512 Clamp512(__m512 v, const IgemmParams& p) {
  return _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(p.lo)), _mm512_set1_ps(p.hi));
}

template <int MR, int NV>
inline void IgemmK1Avx512(int64_t ks, int64_t kc, const float* const* a, const int64_t* tap_offsets,
                          const float* __restrict w, float* const* c, int m, int n, const IgemmParams& p) {
  constexpr int NR = 16 * NV;
  __m512 acc[MR][NV];
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) {
    const __m512 bias = _mm512_loadu_ps(w + j * 16);
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
      __m512 b[NV];
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) b[j] = _mm512_loadu_ps(w + j * 16);
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
        const __m512 av = _mm512_set1_ps(ar[i][q]);
#pragma GCC unroll 4
        for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_fmadd_ps(av, b[j], acc[i][j]);
      }
      w += NR;
    }
  }
  __mmask16 mask[NV];
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) mask[j] = TailMask(n - j * 16);
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    if (i >= m) break;
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) {
      __m512 v = acc[i][j];
      if (p.clamp) v = Clamp512(v, p);
      _mm512_mask_storeu_ps(c[i] + j * 16, mask[j], v);
    }
  }
}

// MR rows x 16 columns with k in pairs (see IgemmK2Avx2): b0 holds the pairs of columns 0..7, b1 of 8..15; the
// even and odd lanes of (acc0, acc1) are gathered with two-source permutes and added.
template <int MR>
inline void IgemmK2Avx512(int64_t ks, int64_t kc, const float* const* a, const int64_t* tap_offsets,
                          const float* __restrict w, float* const* c, int m, int n, const IgemmParams& p) {
  const __m512 bias = _mm512_loadu_ps(w);
  w += 16;
  __m512 acc0[MR], acc1[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    acc0[i] = _mm512_setzero_ps();
    acc1[i] = _mm512_setzero_ps();
  }
  const float* ar[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) ar[i] = a[i];
  for (int64_t t = 0; t < ks; ++t) {
    const int64_t begin = tap_offsets[t];
    const int64_t end = begin + kc;
#pragma GCC unroll 1
    for (int64_t q = begin; q < end; q += 2) {
      const __m512 b0 = _mm512_loadu_ps(w);
      const __m512 b1 = _mm512_loadu_ps(w + 16);
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
        double pair;
        __builtin_memcpy(&pair, ar[i] + q, sizeof(pair));
        const __m512 av = _mm512_castpd_ps(_mm512_set1_pd(pair));
        acc0[i] = _mm512_fmadd_ps(av, b0, acc0[i]);
        acc1[i] = _mm512_fmadd_ps(av, b1, acc1[i]);
      }
      w += 32;
    }
  }
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  const __mmask16 mask = TailMask(n);
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    if (i >= m) break;
    __m512 v = _mm512_add_ps(_mm512_permutex2var_ps(acc0[i], even, acc1[i]),
                             _mm512_permutex2var_ps(acc0[i], odd, acc1[i]));
    v = _mm512_add_ps(v, bias);
    if (p.clamp) v = Clamp512(v, p);
    _mm512_mask_storeu_ps(c[i], mask, v);
  }
}

}  // namespace

void f32_igemm_ukernel_8x32__avx512(int64_t ks, int64_t kc, const float* const* a, const int64_t* tap_offsets,
                                    const float* w, float* const* c, int m, int n, const IgemmParams& p) {
  IgemmK1Avx512<8, 2>(ks, kc, a, tap_offsets, w, c, m, n, p);
}

void f32_igemm_ukernel_8x16k2__avx512(int64_t ks, int64_t kc, const float* const* a, const int64_t* tap_offsets,
                                      const float* w, float* const* c, int m, int n, const IgemmParams& p) {
  IgemmK2Avx512<8>(ks, kc, a, tap_offsets, w, c, m, n, p);
}

void f32_igemm_ukernel_8x8k2__avx512(int64_t ks, int64_t kc, const float* const* a, const int64_t* tap_offsets,
                                     const float* w, float* const* c, int m, int n, const IgemmParams& p) {
  IgemmK2Avx2<8>(ks, kc, a, tap_offsets, w, c, m, n, p);
}

}  // namespace amc
