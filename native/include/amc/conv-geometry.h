// Geometry of a 2-D convolution over NHWC activations, shared by the dense, sliced and sparse conv families.
// Output size: out = floor((in + pad_before + pad_after - ((k - 1) * dilation + 1)) / stride) + 1.
#pragma once
#include <cstdint>

#include "amc/status.h"

namespace amc {

struct ConvGeometry {
  int64_t batch = 0, in_h = 0, in_w = 0, in_c = 0;
  int64_t kernel_h = 0, kernel_w = 0;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  int64_t out_h = 0, out_w = 0;

  int64_t InputSize() const { return batch * in_h * in_w * in_c; }
  int64_t OutputPixels() const { return batch * out_h * out_w; }
};

// Checks every field's range and that out_h / out_w equal the formula above (the wrapper computed them);
// `op` names the operation in the error.
Status ValidateConvGeometry(const char* op, const ConvGeometry& g);

}  // namespace amc
