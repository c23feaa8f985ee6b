// f32 SpMM microkernels, AVX-512 (F): tiles of mr = 16 * NV columns of the packed K x mr panel, same schemes as
// the AVX2 variants (see f32-spmm-avx2.cc) with 32 zmm registers: CSR spreads a row's nonzeros over U
// accumulator sets (NV * U >= 8 chains); block CSR keeps 4 * NV accumulators and NV panel vectors. Partial
// tiles store with a lane mask.
// GCC 12 reports _mm512_undefined_ps() inside _mm512_max_ps/_mm512_min_ps as maybe-uninitialized; the
// warning points into the header, so it is silenced before the include.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "amc/sparse.h"

namespace amc {
namespace {

template <int NV>
inline void StoreRow(float* dst, const __m512* v, int n) {
#pragma GCC unroll 8
  for (int i = 0; i < NV; ++i) {
    const int valid = n - 16 * i;
    if (valid >= 16) {
      _mm512_storeu_ps(dst + 16 * i, v[i]);
    } else if (valid > 0) {
      _mm512_mask_storeu_ps(dst + 16 * i, static_cast<__mmask16>((1u << valid) - 1u), v[i]);
    }
  }
}

// The activation clamp, loaded once per call (the params reference could alias the output otherwise).
struct Clamper {
  bool on;
  __m512 lo, hi;
  explicit Clamper(const SpmmParams& p) : on(p.clamp), lo(_mm512_set1_ps(p.lo)), hi(_mm512_set1_ps(p.hi)) {}
  // Operand order keeps NaN: max/min return their second operand when either is NaN.
  template <int NV>
  inline void Apply(__m512* v) const {
    if (!on) return;
#pragma GCC unroll 8
    for (int i = 0; i < NV; ++i) v[i] = _mm512_min_ps(hi, _mm512_max_ps(lo, v[i]));
  }
};

template <int NV, int U>
inline void CsrAvx512(int64_t groups, int n, const float* __restrict b, const int32_t* __restrict row_ptr,
                      const int32_t* __restrict offsets, const float* __restrict values,
                      const float* __restrict bias, float* __restrict c, int64_t ldc, const SpmmParams& p) {
  const Clamper clamp(p);
  for (int64_t r = 0; r < groups; ++r) {
    __m512 acc[U][NV];
    const __m512 init = bias != nullptr ? _mm512_set1_ps(bias[r]) : _mm512_setzero_ps();
#pragma GCC unroll 8
    for (int i = 0; i < NV; ++i) acc[0][i] = init;
#pragma GCC unroll 8
    for (int u = 1; u < U; ++u) {
#pragma GCC unroll 8
      for (int i = 0; i < NV; ++i) acc[u][i] = _mm512_setzero_ps();
    }
    int64_t e = row_ptr[r];
    const int64_t end = row_ptr[r + 1];
    for (; e + U <= end; e += U) {
#pragma GCC unroll 8
      for (int u = 0; u < U; ++u) {
        const __m512 w = _mm512_set1_ps(values[e + u]);
        const float* src = b + offsets[e + u];
#pragma GCC unroll 8
        for (int i = 0; i < NV; ++i) acc[u][i] = _mm512_fmadd_ps(w, _mm512_load_ps(src + 16 * i), acc[u][i]);
      }
    }
    for (; e < end; ++e) {
      const __m512 w = _mm512_set1_ps(values[e]);
      const float* src = b + offsets[e];
#pragma GCC unroll 8
      for (int i = 0; i < NV; ++i) acc[0][i] = _mm512_fmadd_ps(w, _mm512_load_ps(src + 16 * i), acc[0][i]);
    }
#pragma GCC unroll 8
    for (int u = 1; u < U; ++u) {
#pragma GCC unroll 8
      for (int i = 0; i < NV; ++i) acc[0][i] = _mm512_add_ps(acc[0][i], acc[u][i]);
    }
    clamp.Apply<NV>(acc[0]);
    StoreRow<NV>(c + r * ldc, acc[0], n);
  }
}

template <int NV>
inline void BlockCsrAvx512(int64_t groups, int64_t m, int n, const float* __restrict b,
                           const int32_t* __restrict row_ptr, const int32_t* __restrict offsets,
                           const float* __restrict values, const float* __restrict bias, float* __restrict c,
                           int64_t ldc, const SpmmParams& p) {
  const Clamper clamp(p);
  for (int64_t g = 0; g < groups; ++g) {
    __m512 acc[4][NV];
#pragma GCC unroll 4
    for (int r = 0; r < 4; ++r) {
      const __m512 init = bias != nullptr ? _mm512_set1_ps(bias[4 * g + r]) : _mm512_setzero_ps();
#pragma GCC unroll 8
      for (int i = 0; i < NV; ++i) acc[r][i] = init;
    }
    const int64_t end = row_ptr[g + 1];
    for (int64_t e = row_ptr[g]; e < end; ++e) {
      const float* src = b + offsets[e];
      __m512 bv[NV];
#pragma GCC unroll 8
      for (int i = 0; i < NV; ++i) bv[i] = _mm512_load_ps(src + 16 * i);
      const float* w = values + 4 * e;
#pragma GCC unroll 4
      for (int r = 0; r < 4; ++r) {
        const __m512 wr = _mm512_set1_ps(w[r]);
#pragma GCC unroll 8
        for (int i = 0; i < NV; ++i) acc[r][i] = _mm512_fmadd_ps(wr, bv[i], acc[r][i]);
      }
    }
    const int64_t rows = m - 4 * g < 4 ? m - 4 * g : 4;
#pragma GCC unroll 4
    for (int r = 0; r < 4; ++r) clamp.Apply<NV>(acc[r]);
    if (rows == 4 && n == 16 * NV) {
#pragma GCC unroll 4
      for (int r = 0; r < 4; ++r) {
#pragma GCC unroll 8
        for (int i = 0; i < NV; ++i) _mm512_storeu_ps(c + (4 * g + r) * ldc + 16 * i, acc[r][i]);
      }
      continue;
    }
#pragma GCC unroll 4
    for (int r = 0; r < 4; ++r) {
      if (r < rows) StoreRow<NV>(c + (4 * g + r) * ldc, acc[r], n);
    }
  }
}

}  // namespace

#define AMC_SPMM_CSR_AVX512(name, NV, U)                                                                       \
  void name(int64_t groups, int64_t m, int n, const float* b, const int32_t* row_ptr, const int32_t* offsets,  \
            const float* values, const float* bias, float* c, int64_t ldc, const SpmmParams& p) {              \
    CsrAvx512<NV, U>(groups, n, b, row_ptr, offsets, values, bias, c, ldc, p);                                  \
  }
#define AMC_SPMM_BCSR_AVX512(name, NV)                                                                         \
  void name(int64_t groups, int64_t m, int n, const float* b, const int32_t* row_ptr, const int32_t* offsets,  \
            const float* values, const float* bias, float* c, int64_t ldc, const SpmmParams& p) {              \
    BlockCsrAvx512<NV>(groups, m, n, b, row_ptr, offsets, values, bias, c, ldc, p);                             \
  }

AMC_SPMM_CSR_AVX512(f32_spmm_csr_ukernel_16__avx512, 1, 8)
AMC_SPMM_CSR_AVX512(f32_spmm_csr_ukernel_32__avx512, 2, 4)
AMC_SPMM_CSR_AVX512(f32_spmm_csr_ukernel_64__avx512, 4, 2)
AMC_SPMM_BCSR_AVX512(f32_spmm_bcsr4_ukernel_16__avx512, 1)
AMC_SPMM_BCSR_AVX512(f32_spmm_bcsr4_ukernel_32__avx512, 2)
AMC_SPMM_BCSR_AVX512(f32_spmm_bcsr4_ukernel_64__avx512, 4)

}  // namespace amc
