// Depthwise-conv tile microkernels, AVX2 + FMA. For each output row, channel blocks of 8: a block's weights
// (when they fit) and bias stay in registers while it sweeps the row, with one partial sum per kernel row to
// keep the FMA chains short. Pixels whose window crosses the left or right edge of the
// input take a checked path; rows outside the image arrive as zero rows; the channel tail is masked.
#include <immintrin.h>

#include <algorithm>

#include "amc/conv.h"

namespace amc {
namespace {

template <bool kFull>
inline __m256 LoadV(const float* p, __m256i mask) {
  return kFull ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, mask);
}

template <bool kFull>
inline void StoreV(float* p, __m256i mask, __m256 v) {
  if (kFull) {
    _mm256_storeu_ps(p, v);
  } else {
    _mm256_maskstore_ps(p, mask, v);
  }
}

// KH, KW > 0: a fixed kernel size (weights in registers when they fit); 0: any size (weights from L1).
template <int KH, int KW, bool kFull>
inline void DwBlock(const DwconvArgs& a, int64_t y, int64_t c, __m256i mask, int64_t x_lo, int64_t x_hi) {
  constexpr bool kFixed = KH > 0;
  constexpr int kRows = kFixed ? KH : 1;
  constexpr int kCols = kFixed ? KW : 1;
  constexpr bool kRegs = kFixed && KH * KW <= 10;
  const int64_t channels = a.channels;
  const int64_t out_w = a.out_w;
  const int64_t in_w = a.in_w;
  const int64_t kh = a.kernel_h;
  const int64_t kw = a.kernel_w;
  const bool clamp = a.clamp;
  const int64_t x_step = a.stride_w * channels;
  const int64_t tap_x = a.dilation_w * channels;
  const __m256 lo = _mm256_set1_ps(a.lo);
  const __m256 hi = _mm256_set1_ps(a.hi);
  const __m256 bias = a.bias != nullptr ? LoadV<kFull>(a.bias + c, mask) : _mm256_setzero_ps();
  const float* w = a.w + c;
  __m256 wreg[kRegs ? KH * KW : 1];
  if (kRegs) {
#pragma GCC unroll 16
    for (int t = 0; t < (kRegs ? KH * KW : 1); ++t) wreg[t] = LoadV<kFull>(w + t * channels, mask);
  }
  {
    const float* const* rows = a.rows + y * kh;
    float* out_row = a.out + y * a.out_row_stride + c;
    if (!kFixed) {
      for (int64_t x = 0; x < out_w; ++x) {
        __m256 acc = bias;
        for (int64_t j = 0; j < kw; ++j) {
          const int64_t iw = x * a.stride_w + j * a.dilation_w - a.pad_left;
          if (iw < 0 || iw >= in_w) continue;
          for (int64_t i = 0; i < kh; ++i) {
            acc = _mm256_fmadd_ps(LoadV<kFull>(rows[i] + iw * channels + c, mask),
                                  LoadV<kFull>(w + (i * kw + j) * channels, mask), acc);
          }
        }
        if (clamp) acc = _mm256_min_ps(_mm256_max_ps(acc, lo), hi);
        StoreV<kFull>(out_row + x * channels, mask, acc);
      }
      return;
    }
    const float* row[kRows];
#pragma GCC unroll 8
    for (int i = 0; i < kRows; ++i) row[i] = rows[i] + c;
    // Edge pixels: [0, x_lo) and [x_hi, out_w), only the taps inside the row.
    for (int64_t x = 0; x < out_w;) {
      if (x == x_lo && x_hi > x_lo) {
        x = x_hi;
        continue;
      }
      __m256 acc = bias;
      const int64_t base = x * a.stride_w - a.pad_left;
#pragma GCC unroll 8
      for (int j = 0; j < kCols; ++j) {
        const int64_t iw = base + j * a.dilation_w;
        if (iw < 0 || iw >= in_w) continue;
#pragma GCC unroll 8
        for (int i = 0; i < kRows; ++i) {
          const __m256 wv = kRegs ? wreg[kRegs ? i * KW + j : 0] : LoadV<kFull>(w + (i * KW + j) * channels, mask);
          acc = _mm256_fmadd_ps(LoadV<kFull>(row[i] + iw * channels, mask), wv, acc);
        }
      }
      if (clamp) acc = _mm256_min_ps(_mm256_max_ps(acc, lo), hi);
      StoreV<kFull>(out_row + x * channels, mask, acc);
      ++x;
    }
    if (x_hi <= x_lo) return;
    // Interior: one accumulator per kernel row, summed at the end (FMA chains of kw instead of kh * kw).
    const float* in[kRows];
#pragma GCC unroll 8
    for (int i = 0; i < kRows; ++i) in[i] = row[i] + (x_lo * a.stride_w - a.pad_left) * channels;
    for (int64_t x = x_lo; x < x_hi; ++x) {
      __m256 acc[kRows];
#pragma GCC unroll 8
      for (int i = 0; i < kRows; ++i) {
        acc[i] = i == 0 ? bias : _mm256_setzero_ps();
#pragma GCC unroll 8
        for (int j = 0; j < kCols; ++j) {
          const __m256 wv = kRegs ? wreg[kRegs ? i * KW + j : 0] : LoadV<kFull>(w + (i * KW + j) * channels, mask);
          acc[i] = _mm256_fmadd_ps(LoadV<kFull>(in[i] + j * tap_x, mask), wv, acc[i]);
        }
        in[i] += x_step;
      }
#pragma GCC unroll 8
      for (int i = 1; i < kRows; ++i) acc[0] = _mm256_add_ps(acc[0], acc[i]);
      if (clamp) acc[0] = _mm256_min_ps(_mm256_max_ps(acc[0], lo), hi);
      StoreV<kFull>(out_row + x * channels, mask, acc[0]);
    }
  }
}

template <int KH, int KW>
void DwconvAvx2(const DwconvArgs& a) {
  // Interior outputs [x_lo, x_hi): every tap column inside [0, in_w).
  const int64_t reach = (a.kernel_w - 1) * a.dilation_w;
  const int64_t x_lo = std::min(a.out_w, a.pad_left <= 0 ? 0 : (a.pad_left + a.stride_w - 1) / a.stride_w);
  const int64_t last = a.in_w - 1 + a.pad_left - reach;  // the largest x * stride_w allowed
  const int64_t x_hi = std::max(x_lo, std::min(a.out_w, last < 0 ? 0 : last / a.stride_w + 1));
  const bool sized = KH > 0 && a.kernel_h == KH && a.kernel_w == KW;
  const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(a.channels & 7)),
                                          _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  // Rows outermost: a row's inputs stay in L1 across the channel blocks, and each output line is completed
  // before the next row.
  for (int64_t y = 0; y < a.out_h; ++y) {
    int64_t c = 0;
    for (; c + 8 <= a.channels; c += 8) {
      if (sized) {
        DwBlock<KH, KW, true>(a, y, c, mask, x_lo, x_hi);
      } else {
        DwBlock<0, 0, true>(a, y, c, mask, x_lo, x_hi);
      }
    }
    if (c < a.channels) {
      if (sized) {
        DwBlock<KH, KW, false>(a, y, c, mask, x_lo, x_hi);
      } else {
        DwBlock<0, 0, false>(a, y, c, mask, x_lo, x_hi);
      }
    }
  }
}

}  // namespace

void f32_dwconv_ukernel_3x3__avx2(const DwconvArgs& a) { DwconvAvx2<3, 3>(a); }
void f32_dwconv_ukernel_5x5__avx2(const DwconvArgs& a) { DwconvAvx2<5, 5>(a); }
void f32_dwconv_ukernel__avx2(const DwconvArgs& a) { DwconvAvx2<0, 0>(a); }

}  // namespace amc
