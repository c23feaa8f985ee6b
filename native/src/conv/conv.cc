// conv2d: dense and grouped convolution as an indirect GEMM per group (conv-engine.h); a grouped conv with one
// input channel per group runs as a depthwise conv.
#include <algorithm>
#include <string>
#include <vector>

#include "amc/conv.h"
#include "conv/conv-engine.h"
#include "conv/conv-validate.h"
#include "conv/depthwise.h"

namespace amc {

namespace conv {

// Taps of a kh x kw kernel in row-major order, as source offsets (dilated).
void KernelTaps(const ConvGeometry& g, std::vector<int64_t>* index, std::vector<int64_t>* dy,
                std::vector<int64_t>* dx) {
  for (int64_t i = 0; i < g.kernel_h; ++i) {
    for (int64_t j = 0; j < g.kernel_w; ++j) {
      index->push_back(i * g.kernel_w + j);
      dy->push_back(i * g.dilation_h);
      dx->push_back(j * g.dilation_w);
    }
  }
}

// The engine problem of a forward conv over `g` (taps and geometry only; the caller fills channels, output
// and weights).
ConvEngineProblem ForwardProblem(const ConvGeometry& g, const float* input, const std::vector<int64_t>& tap_dy,
                                 const std::vector<int64_t>& tap_dx) {
  ConvEngineProblem p;
  p.src = input;
  p.batch = g.batch;
  p.src_h = g.in_h;
  p.src_w = g.in_w;
  p.src_c = g.in_c;
  p.ks = static_cast<int64_t>(tap_dy.size());
  p.tap_dy = tap_dy.data();
  p.tap_dx = tap_dx.data();
  p.ystep = g.stride_h;
  p.xstep = g.stride_w;
  p.pad_top = g.pad_top;
  p.pad_left = g.pad_left;
  p.grid_h = g.out_h;
  p.grid_w = g.out_w;
  p.out_h = g.out_h;
  p.out_w = g.out_w;
  return p;
}

}  // namespace conv

Status Conv2D(const Conv2DArgs& a) {
  const char* op = "conv2d";
  const ConvGeometry& g = a.geometry;
  AMC_RETURN_IF_ERROR(ValidateConvGeometry(op, g));
  AMC_RETURN_IF_ERROR(conv::CheckRange(op, "outChannels", a.out_channels, 0, int64_t{1} << 24));
  AMC_RETURN_IF_ERROR(conv::CheckRange(op, "groups", a.groups, 1, int64_t{1} << 24));
  if (g.in_c % a.groups != 0 || a.out_channels % a.groups != 0) {
    return ArgError(StatusCode::kInvalidArgument, op, "groups", "a divisor of inChannels and outChannels",
                    std::to_string(a.groups));
  }
  const int64_t cin_g = g.in_c / a.groups;
  const int64_t cout_g = a.out_channels / a.groups;
  AMC_RETURN_IF_ERROR(conv::CheckLength(op, "input", a.input_length, conv::CheckedProduct({g.batch, g.in_h, g.in_w, g.in_c})));
  AMC_RETURN_IF_ERROR(conv::CheckLength(op, "filter", a.filter_length,
                                        conv::CheckedProduct({g.kernel_h, g.kernel_w, cin_g, a.out_channels})));
  AMC_RETURN_IF_ERROR(conv::CheckOptionalLength(op, "bias", a.bias, a.bias_length, a.out_channels));
  AMC_RETURN_IF_ERROR(
      conv::CheckLength(op, "out", a.out_length, conv::CheckedProduct({g.batch, g.out_h, g.out_w, a.out_channels})));
  if (a.out_length == 0) return Status::Ok();

  if (a.groups > 1 && cin_g == 1 && cout_g >= 1) {
    conv::DepthwiseProblem d;
    d.g = g;
    d.multiplier = cout_g;
    d.input = a.input;
    d.filter = a.filter;
    d.bias = a.bias;
    d.out = a.out;
    d.activation = a.activation;
    return conv::RunDepthwiseForward(d);
  }

  if (cin_g == 0) {
    // No input channels (the filter is empty whatever the kernel size): every output is act(bias).
    bool clamp;
    float lo, hi;
    SetActivation(a.activation, &clamp, &lo, &hi);
    for (int64_t i = 0; i < a.out_length; ++i) {
      float v = a.bias != nullptr ? a.bias[i % a.out_channels] : 0.0f;
      if (clamp) v = std::min(std::max(v, lo), hi);
      a.out[i] = v;
    }
    return Status::Ok();
  }

  std::vector<int64_t> tap_index, tap_dy, tap_dx;
  conv::KernelTaps(g, &tap_index, &tap_dy, &tap_dx);
  for (int64_t group = 0; group < a.groups; ++group) {
    conv::ConvEngineProblem p = conv::ForwardProblem(g, a.input, tap_dy, tap_dx);
    p.kc = cin_g;
    p.chan_offset = group * cin_g;
    p.out = a.out;
    p.out_pixel_stride = a.out_channels;
    p.out_col0 = group * cout_g;
    p.n = cout_g;
    p.weights.base = a.filter;
    p.weights.tap_index = tap_index.data();
    p.weights.tap_stride = cin_g * a.out_channels;
    p.weights.k_stride = a.out_channels;
    p.weights.j_offset = group * cout_g;
    p.weights.bias = a.bias;
    p.activation = a.activation;
    AMC_RETURN_IF_ERROR(conv::RunConvEngine(p));
  }
  return Status::Ok();
}

}  // namespace amc
