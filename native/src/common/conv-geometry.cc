#include "amc/conv-geometry.h"

#include <string>

namespace amc {

Status ValidateConvGeometry(const char* op, const ConvGeometry& g) {
  constexpr int64_t kMaxDim = int64_t{1} << 24;
  const struct {
    const char* name;
    int64_t value;
    int64_t min;
  } fields[] = {
      {"batch", g.batch, 0},         {"inHeight", g.in_h, 0},       {"inWidth", g.in_w, 0},
      {"inChannels", g.in_c, 0},     {"kernelHeight", g.kernel_h, 1}, {"kernelWidth", g.kernel_w, 1},
      {"strideHeight", g.stride_h, 1}, {"strideWidth", g.stride_w, 1}, {"dilationHeight", g.dilation_h, 1},
      {"dilationWidth", g.dilation_w, 1}, {"padTop", g.pad_top, 0},   {"padBottom", g.pad_bottom, 0},
      {"padLeft", g.pad_left, 0},    {"padRight", g.pad_right, 0},  {"outHeight", g.out_h, 0},
      {"outWidth", g.out_w, 0},
  };
  for (const auto& f : fields) {
    if (f.value < f.min || f.value > kMaxDim) {
      return ArgError(StatusCode::kInvalidArgument, op, f.name,
                      "an integer in [" + std::to_string(f.min) + ", 2^24]", std::to_string(f.value));
    }
  }
  const int64_t eff_h = (g.kernel_h - 1) * g.dilation_h + 1;
  const int64_t eff_w = (g.kernel_w - 1) * g.dilation_w + 1;
  const int64_t span_h = g.in_h + g.pad_top + g.pad_bottom - eff_h;
  const int64_t span_w = g.in_w + g.pad_left + g.pad_right - eff_w;
  if (span_h < 0 || span_w < 0) {
    return Status(StatusCode::kShapeMismatch, std::string(op) + ": the dilated kernel is larger than the padded input");
  }
  if (g.out_h != span_h / g.stride_h + 1 || g.out_w != span_w / g.stride_w + 1) {
    return Status(StatusCode::kShapeMismatch, std::string(op) + ": outHeight/outWidth do not match the geometry");
  }
  int64_t size = 0;
  if (__builtin_mul_overflow(g.batch * g.in_h, g.in_w * g.in_c, &size) || size >= (int64_t{1} << 31) ||
      __builtin_mul_overflow(g.batch * g.out_h, g.out_w, &size) || size >= (int64_t{1} << 31)) {
    return Status(StatusCode::kInvalidArgument, std::string(op) + ": tensor too large (at most 2^31 - 1 elements)");
  }
  return Status::Ok();
}

}  // namespace amc
