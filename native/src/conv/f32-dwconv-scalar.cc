// Depthwise-conv tile microkernel, portable C++ (any kernel size).
#include <algorithm>

#include "amc/conv.h"

namespace amc {

void f32_dwconv_ukernel__scalar(const DwconvArgs& a) {
  const int64_t channels = a.channels;
  for (int64_t y = 0; y < a.out_h; ++y) {
    const float* const* rows = a.rows + y * a.kernel_h;
    for (int64_t x = 0; x < a.out_w; ++x) {
      float* out = a.out + y * a.out_row_stride + x * channels;
      for (int64_t c = 0; c < channels; ++c) out[c] = a.bias != nullptr ? a.bias[c] : 0.0f;
      for (int64_t j = 0; j < a.kernel_w; ++j) {
        const int64_t iw = x * a.stride_w + j * a.dilation_w - a.pad_left;
        if (iw < 0 || iw >= a.in_w) continue;
        for (int64_t i = 0; i < a.kernel_h; ++i) {
          const float* in = rows[i] + iw * channels;
          const float* w = a.w + (i * a.kernel_w + j) * channels;
          for (int64_t c = 0; c < channels; ++c) out[c] += in[c] * w[c];
        }
      }
      if (a.clamp) {
        for (int64_t c = 0; c < channels; ++c) out[c] = std::min(std::max(out[c], a.lo), a.hi);
      }
    }
  }
}

}  // namespace amc
