#include "prune/window-pack.h"

#include <algorithm>

namespace amc::prune {
namespace {

// Copies kWidth floats minus a shift (when given).
template <int kWidth>
inline void CopyGroup(const float* src, const float* shift, float* dst) {
  if (shift != nullptr) {
    for (int j = 0; j < kWidth; ++j) dst[j] = src[j] - shift[j];
  } else {
    for (int j = 0; j < kWidth; ++j) dst[j] = src[j];
  }
}

template <int kWidth>
void PackPanelsFixed(const float* src, int64_t ld, const float* shift, int kc, int w, float* dst) {
  // Rows in chunks of 8, panels inside: the 8 source rows stay in L1 while every panel takes its 8 groups
  // (row-at-a-time would write all panels at a stride of kc * kWidth floats, often a multiple of 4 KiB,
  // which thrashes the L1 sets).
  constexpr int kRows = 8;
  const int full = w / kWidth;
  const int rest = w - full * kWidth;
  const int64_t panel_stride = static_cast<int64_t>(kc) * kWidth;
  for (int k0 = 0; k0 < kc; k0 += kRows) {
    const int rows = std::min(kRows, kc - k0);
    for (int p = 0; p < full; ++p) {
      float* d = dst + p * panel_stride + static_cast<int64_t>(k0) * kWidth;
      const float* s = src + k0 * ld + p * kWidth;
      const float* mu = shift != nullptr ? shift + p * kWidth : nullptr;
      for (int k = 0; k < rows; ++k, s += ld, d += kWidth) CopyGroup<kWidth>(s, mu, d);
    }
    if (rest > 0) {
      float* d = dst + full * panel_stride + static_cast<int64_t>(k0) * kWidth;
      const float* s = src + k0 * ld + full * kWidth;
      for (int k = 0; k < rows; ++k, s += ld, d += kWidth) {
        for (int j = 0; j < rest; ++j) d[j] = shift != nullptr ? s[j] - shift[full * kWidth + j] : s[j];
        for (int j = rest; j < kWidth; ++j) d[j] = 0.0f;
      }
    }
  }
}

}  // namespace

// The widths of the microkernels are unrolled.
void PackPanels(const float* m, int64_t ld, int64_t row, int64_t col, int kc, int w, int width, const float* shift,
                float* dst) {
  const float* src = m + row * ld + col;
  const float* mu = shift != nullptr ? shift + col : nullptr;
  switch (width) {
    case 4: return PackPanelsFixed<4>(src, ld, mu, kc, w, dst);
    case 6: return PackPanelsFixed<6>(src, ld, mu, kc, w, dst);
    case 8: return PackPanelsFixed<8>(src, ld, mu, kc, w, dst);
    case 14: return PackPanelsFixed<14>(src, ld, mu, kc, w, dst);
    case 16: return PackPanelsFixed<16>(src, ld, mu, kc, w, dst);
    case 24: return PackPanelsFixed<24>(src, ld, mu, kc, w, dst);
    case 28: return PackPanelsFixed<28>(src, ld, mu, kc, w, dst);
    case 32: return PackPanelsFixed<32>(src, ld, mu, kc, w, dst);
    default: break;
  }
  const int panels = (w + width - 1) / width;
  for (int k = 0; k < kc; ++k, src += ld) {
    for (int p = 0; p < panels; ++p) {
      float* d = dst + static_cast<int64_t>(p) * kc * width + static_cast<int64_t>(k) * width;
      const int cols = std::min(width, w - p * width);
      for (int j = 0; j < cols; ++j) d[j] = mu != nullptr ? src[p * width + j] - mu[p * width + j] : src[p * width + j];
      for (int j = cols; j < width; ++j) d[j] = 0.0f;
    }
  }
}

void RowsAPacker::Pack(int64_t m0, int mc, int64_t k0, int kc, int mr, float* dst) const {
  for (int p0 = 0; p0 < mc; p0 += mr) {
    const int rows = std::min(mr, mc - p0);
    float* panel = dst + static_cast<int64_t>(p0) * kc;
    const float* src = m_ + (row0_ + m0 + p0) * ld_ + k0;
    for (int c0 = 0; c0 < kc; c0 += 8) {
      const int cw = std::min(8, kc - c0);
      for (int r = 0; r < mr; ++r) {
        if (r < rows) {
          const float* s = src + r * ld_ + c0;
          for (int c = 0; c < cw; ++c) panel[(c0 + c) * mr + r] = s[c];
        } else {
          for (int c = 0; c < cw; ++c) panel[(c0 + c) * mr + r] = 0.0f;
        }
      }
    }
  }
}

}  // namespace amc::prune
