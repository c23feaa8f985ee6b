// f64 vector kernels, AVX-512F: 8 doubles per zmm, masked tails.
#include <immintrin.h>

#include <cstdint>

namespace amc::linalg {

double f64_dot__avx512(const double* x, const double* y, int64_t n) {
  __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd(), a2 = _mm512_setzero_pd(), a3 = _mm512_setzero_pd();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 = _mm512_fmadd_pd(_mm512_loadu_pd(x + i), _mm512_loadu_pd(y + i), a0);
    a1 = _mm512_fmadd_pd(_mm512_loadu_pd(x + i + 8), _mm512_loadu_pd(y + i + 8), a1);
    a2 = _mm512_fmadd_pd(_mm512_loadu_pd(x + i + 16), _mm512_loadu_pd(y + i + 16), a2);
    a3 = _mm512_fmadd_pd(_mm512_loadu_pd(x + i + 24), _mm512_loadu_pd(y + i + 24), a3);
  }
  for (; i + 8 <= n; i += 8) a0 = _mm512_fmadd_pd(_mm512_loadu_pd(x + i), _mm512_loadu_pd(y + i), a0);
  if (i < n) {
    const __mmask8 m = static_cast<__mmask8>((1u << (n - i)) - 1u);
    a1 = _mm512_fmadd_pd(_mm512_maskz_loadu_pd(m, x + i), _mm512_maskz_loadu_pd(m, y + i), a1);
  }
  // A store and scalar adds: gcc 12's _mm512_reduce_add_pd trips -Wuninitialized in its own header.
  alignas(64) double lanes[8];
  _mm512_store_pd(lanes, _mm512_add_pd(_mm512_add_pd(a0, a1), _mm512_add_pd(a2, a3)));
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

void f64_axpy__avx512(double a, const double* x, double* y, int64_t n) {
  const __m512d av = _mm512_set1_pd(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm512_storeu_pd(y + i, _mm512_fmadd_pd(av, _mm512_loadu_pd(x + i), _mm512_loadu_pd(y + i)));
  if (i < n) {
    const __mmask8 m = static_cast<__mmask8>((1u << (n - i)) - 1u);
    _mm512_mask_storeu_pd(y + i, m, _mm512_fmadd_pd(av, _mm512_maskz_loadu_pd(m, x + i), _mm512_maskz_loadu_pd(m, y + i)));
  }
}

void f64_rot__avx512(double c, double s, double* x, double* y, int64_t n) {
  const __m512d cv = _mm512_set1_pd(c);
  const __m512d sv = _mm512_set1_pd(s);
  for (int64_t i = 0; i < n; i += 8) {
    const __mmask8 m = n - i >= 8 ? static_cast<__mmask8>(0xff) : static_cast<__mmask8>((1u << (n - i)) - 1u);
    const __m512d xv = _mm512_maskz_loadu_pd(m, x + i);
    const __m512d yv = _mm512_maskz_loadu_pd(m, y + i);
    _mm512_mask_storeu_pd(x + i, m, _mm512_fmsub_pd(cv, xv, _mm512_mul_pd(sv, yv)));
    _mm512_mask_storeu_pd(y + i, m, _mm512_fmadd_pd(sv, xv, _mm512_mul_pd(cv, yv)));
  }
}

}  // namespace amc::linalg
