// f32 SpMM microkernels, AVX2 + FMA: tiles of mr = 8 * NV columns (pixels) of the packed K x mr panel.
//
// CSR: one output row at a time; per nonzero one broadcast of the weight, one offset load and NV vector loads
// of the panel feeding NV FMAs. FMA latency (4 cycles) needs 8 independent accumulator chains, so the nonzeros
// of a row are spread over U accumulator sets (NV * U >= 8) summed at the end.
// Block CSR (4 x 1): four output rows at a time; each panel vector feeds 4 FMAs (one per row of the block), so
// the kernel is FMA-bound instead of load-bound: 4 * NV accumulators + NV panel vectors + 1 broadcast registers.
// Partial tiles (n < mr) compute every column (the panel is zero-padded) and store only the first n.
#include <immintrin.h>

#include "amc/sparse.h"

namespace amc {
namespace {

inline __m256i TailMask(int valid) {
  alignas(32) static const int32_t kMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMask + 8 - valid));
}

// Stores NV vectors, or only the first n floats of them when n < 8 * NV.
template <int NV>
inline void StoreRow(float* dst, const __m256* v, int n) {
  if (n == 8 * NV) {
#pragma GCC unroll 8
    for (int i = 0; i < NV; ++i) _mm256_storeu_ps(dst + 8 * i, v[i]);
    return;
  }
#pragma GCC unroll 8
  for (int i = 0; i < NV; ++i) {
    const int valid = n - 8 * i;
    if (valid >= 8) {
      _mm256_storeu_ps(dst + 8 * i, v[i]);
    } else if (valid > 0) {
      _mm256_maskstore_ps(dst + 8 * i, TailMask(valid), v[i]);
    }
  }
}

// The activation clamp, loaded once per call (the params reference could alias the output otherwise).
struct Clamper {
  bool on;
  __m256 lo, hi;
  explicit Clamper(const SpmmParams& p) : on(p.clamp), lo(_mm256_set1_ps(p.lo)), hi(_mm256_set1_ps(p.hi)) {}
  // Operand order keeps NaN: max/min return their second operand when either is NaN.
  template <int NV>
  inline void Apply(__m256* v) const {
    if (!on) return;
#pragma GCC unroll 8
    for (int i = 0; i < NV; ++i) v[i] = _mm256_min_ps(hi, _mm256_max_ps(lo, v[i]));
  }
};

template <int NV, int U>
inline void CsrAvx2(int64_t groups, int n, const float* __restrict b, const int32_t* __restrict row_ptr,
                    const int32_t* __restrict offsets, const float* __restrict values, const float* __restrict bias,
                    float* __restrict c, int64_t ldc, const SpmmParams& p) {
  const Clamper clamp(p);
  for (int64_t r = 0; r < groups; ++r) {
    __m256 acc[U][NV];
    const __m256 init = bias != nullptr ? _mm256_broadcast_ss(bias + r) : _mm256_setzero_ps();
#pragma GCC unroll 8
    for (int i = 0; i < NV; ++i) acc[0][i] = init;
#pragma GCC unroll 8
    for (int u = 1; u < U; ++u) {
#pragma GCC unroll 8
      for (int i = 0; i < NV; ++i) acc[u][i] = _mm256_setzero_ps();
    }
    int64_t e = row_ptr[r];
    const int64_t end = row_ptr[r + 1];
    for (; e + U <= end; e += U) {
#pragma GCC unroll 8
      for (int u = 0; u < U; ++u) {
        const __m256 w = _mm256_broadcast_ss(values + e + u);
        const float* src = b + offsets[e + u];
#pragma GCC unroll 8
        for (int i = 0; i < NV; ++i) acc[u][i] = _mm256_fmadd_ps(w, _mm256_load_ps(src + 8 * i), acc[u][i]);
      }
    }
    for (; e < end; ++e) {
      const __m256 w = _mm256_broadcast_ss(values + e);
      const float* src = b + offsets[e];
#pragma GCC unroll 8
      for (int i = 0; i < NV; ++i) acc[0][i] = _mm256_fmadd_ps(w, _mm256_load_ps(src + 8 * i), acc[0][i]);
    }
#pragma GCC unroll 8
    for (int u = 1; u < U; ++u) {
#pragma GCC unroll 8
      for (int i = 0; i < NV; ++i) acc[0][i] = _mm256_add_ps(acc[0][i], acc[u][i]);
    }
    clamp.Apply<NV>(acc[0]);
    StoreRow<NV>(c + r * ldc, acc[0], n);
  }
}

template <int NV>
inline void BlockCsrAvx2(int64_t groups, int64_t m, int n, const float* __restrict b,
                         const int32_t* __restrict row_ptr, const int32_t* __restrict offsets,
                         const float* __restrict values, const float* __restrict bias, float* __restrict c,
                         int64_t ldc, const SpmmParams& p) {
  const Clamper clamp(p);
  for (int64_t g = 0; g < groups; ++g) {
    __m256 acc[4][NV];
#pragma GCC unroll 4
    for (int r = 0; r < 4; ++r) {
      const __m256 init = bias != nullptr ? _mm256_broadcast_ss(bias + 4 * g + r) : _mm256_setzero_ps();
#pragma GCC unroll 8
      for (int i = 0; i < NV; ++i) acc[r][i] = init;
    }
    const int64_t end = row_ptr[g + 1];
    for (int64_t e = row_ptr[g]; e < end; ++e) {
      const float* src = b + offsets[e];
      __m256 bv[NV];
#pragma GCC unroll 8
      for (int i = 0; i < NV; ++i) bv[i] = _mm256_load_ps(src + 8 * i);
      const float* w = values + 4 * e;
#pragma GCC unroll 4
      for (int r = 0; r < 4; ++r) {
        const __m256 wr = _mm256_broadcast_ss(w + r);
#pragma GCC unroll 8
        for (int i = 0; i < NV; ++i) acc[r][i] = _mm256_fmadd_ps(wr, bv[i], acc[r][i]);
      }
    }
    const int64_t rows = m - 4 * g < 4 ? m - 4 * g : 4;
#pragma GCC unroll 4
    for (int r = 0; r < 4; ++r) clamp.Apply<NV>(acc[r]);
    if (rows == 4 && n == 8 * NV) {
#pragma GCC unroll 4
      for (int r = 0; r < 4; ++r) {
#pragma GCC unroll 8
        for (int i = 0; i < NV; ++i) _mm256_storeu_ps(c + (4 * g + r) * ldc + 8 * i, acc[r][i]);
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

#define AMC_SPMM_CSR_AVX2(name, NV, U)                                                                         \
  void name(int64_t groups, int64_t m, int n, const float* b, const int32_t* row_ptr, const int32_t* offsets,  \
            const float* values, const float* bias, float* c, int64_t ldc, const SpmmParams& p) {              \
    CsrAvx2<NV, U>(groups, n, b, row_ptr, offsets, values, bias, c, ldc, p);                                    \
  }
#define AMC_SPMM_BCSR_AVX2(name, NV)                                                                           \
  void name(int64_t groups, int64_t m, int n, const float* b, const int32_t* row_ptr, const int32_t* offsets,  \
            const float* values, const float* bias, float* c, int64_t ldc, const SpmmParams& p) {              \
    BlockCsrAvx2<NV>(groups, m, n, b, row_ptr, offsets, values, bias, c, ldc, p);                               \
  }

AMC_SPMM_CSR_AVX2(f32_spmm_csr_ukernel_8__avx2, 1, 8)
AMC_SPMM_CSR_AVX2(f32_spmm_csr_ukernel_16__avx2, 2, 4)
AMC_SPMM_CSR_AVX2(f32_spmm_csr_ukernel_32__avx2, 4, 2)
AMC_SPMM_CSR_AVX2(f32_spmm_csr_ukernel_64__avx2, 8, 1)
AMC_SPMM_BCSR_AVX2(f32_spmm_bcsr4_ukernel_8__avx2, 1)
AMC_SPMM_BCSR_AVX2(f32_spmm_bcsr4_ukernel_16__avx2, 2)
AMC_SPMM_BCSR_AVX2(f32_spmm_bcsr4_ukernel_24__avx2, 3)

}  // namespace amc
