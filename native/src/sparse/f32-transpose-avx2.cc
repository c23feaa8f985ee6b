// f32 tile transpose, AVX2: 8 x 8 blocks in registers (128-bit half loads paired with vinsertf128, then 16
// in-lane shuffles), 4 x 4 SSE blocks and scalar code on the edges.
#include <immintrin.h>

#include <cstdint>

namespace amc {
namespace {

__attribute__((always_inline)) inline void Transpose8x8(const float* src, int64_t lds, float* dst, int64_t ldd) {
  // Rows are walked with one bumped pointer each way: precomputed row offsets would need 16 registers.
  __m128 lo[8], hi[8];
#pragma GCC unroll 8
  for (int a = 0; a < 8; ++a, src += lds) {
    lo[a] = _mm_loadu_ps(src);
    hi[a] = _mm_loadu_ps(src + 4);
  }
  // r[a] = rows a | a+4, columns 0..3; r[a+4] = the same rows, columns 4..7. Then 4x4 transposes per lane.
  __m256 r[8];
#pragma GCC unroll 4
  for (int a = 0; a < 4; ++a) {
    r[a] = _mm256_insertf128_ps(_mm256_castps128_ps256(lo[a]), lo[a + 4], 1);
    r[a + 4] = _mm256_insertf128_ps(_mm256_castps128_ps256(hi[a]), hi[a + 4], 1);
  }
#pragma GCC unroll 2
  for (int h = 0; h < 2; ++h) {
    const __m256 t0 = _mm256_unpacklo_ps(r[4 * h + 0], r[4 * h + 1]);
    const __m256 t1 = _mm256_unpackhi_ps(r[4 * h + 0], r[4 * h + 1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[4 * h + 2], r[4 * h + 3]);
    const __m256 t3 = _mm256_unpackhi_ps(r[4 * h + 2], r[4 * h + 3]);
    _mm256_storeu_ps(dst, _mm256_shuffle_ps(t0, t2, 0x44));
    dst += ldd;
    _mm256_storeu_ps(dst, _mm256_shuffle_ps(t0, t2, 0xEE));
    dst += ldd;
    _mm256_storeu_ps(dst, _mm256_shuffle_ps(t1, t3, 0x44));
    dst += ldd;
    _mm256_storeu_ps(dst, _mm256_shuffle_ps(t1, t3, 0xEE));
    dst += ldd;
  }
}

__attribute__((always_inline)) inline void Transpose4x4(const float* src, int64_t lds, float* dst, int64_t ldd) {
  __m128 r0 = _mm_loadu_ps(src), r1 = _mm_loadu_ps(src + lds), r2 = _mm_loadu_ps(src + 2 * lds),
         r3 = _mm_loadu_ps(src + 3 * lds);
  _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
  _mm_storeu_ps(dst, r0);
  _mm_storeu_ps(dst + ldd, r1);
  _mm_storeu_ps(dst + 2 * ldd, r2);
  _mm_storeu_ps(dst + 3 * ldd, r3);
}

}  // namespace

void f32_transpose__avx2(const float* src, int64_t lds, float* dst, int64_t ldd, int64_t rows, int64_t cols) {
  int64_t i = 0;
  for (; i + 8 <= rows; i += 8) {
    int64_t j = 0;
    for (; j + 8 <= cols; j += 8) Transpose8x8(src + i * lds + j, lds, dst + j * ldd + i, ldd);
    for (; j + 4 <= cols; j += 4) {
      Transpose4x4(src + i * lds + j, lds, dst + j * ldd + i, ldd);
      Transpose4x4(src + (i + 4) * lds + j, lds, dst + j * ldd + i + 4, ldd);
    }
    for (; j < cols; ++j) {
      for (int a = 0; a < 8; ++a) dst[j * ldd + i + a] = src[(i + a) * lds + j];
    }
  }
  for (; i + 4 <= rows; i += 4) {
    int64_t j = 0;
    for (; j + 4 <= cols; j += 4) Transpose4x4(src + i * lds + j, lds, dst + j * ldd + i, ldd);
    for (; j < cols; ++j) {
      for (int a = 0; a < 4; ++a) dst[j * ldd + i + a] = src[(i + a) * lds + j];
    }
  }
  for (; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) dst[j * ldd + i] = src[i * lds + j];
  }
}

}  // namespace amc
