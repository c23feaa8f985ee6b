// 2-D convolution over NHWC activations: dense (grouped) conv, depthwise conv, their backprops for training,
// and the channel-sliced conv that a pruning search evaluates many times over the same full weights.
//
// Layouts follow TensorFlow.js: input [n, h, w, c]; conv filter HWIO [kh, kw, cin / groups, cout]; depthwise
// filter [kh, kw, c, multiplier] giving c * multiplier output channels (output channel c * multiplier + m);
// outputs NHWC. Geometry (strides, dilations, padding, output size) is resolved by the wrapper and validated
// again here (amc/conv-geometry.h).
//
// Dense conv is an indirect GEMM: M = output pixels, N = output channels, K = taps x input channels. The A
// operand is never packed: the microkernel reads each output pixel's inputs through a row pointer plus one
// offset per tap, straight from the input (or from a zero-padded, channel-gathered band of it when the conv pads
// or slices channels). Only the weights are packed, once per call. See src/conv/conv-engine.h. The input
// gradient runs on the same engine (one forward problem per stride phase); the filter gradient uses the wgrad
// microkernels over the engine's row pointers; depthwise convs have their own direct kernels.
#pragma once
#include <cstdint>

#include "amc/conv-geometry.h"
#include "amc/gemm.h"
#include "amc/isa.h"
#include "amc/status.h"

namespace amc {

// ---- Indirect-GEMM microkernels (family list: src/conv/f32-igemm-list.h) ----

// What an igemm microkernel does with a finished tile: clamp to [lo, hi] when `clamp` (bias is packed with the
// weights, so there is nothing else to do).
struct IgemmParams {
  bool clamp = false;
  float lo = 0.0f;
  float hi = 0.0f;
};

// C[r][j] = clamp(bias[j] + sum_{t < ks} sum_{k < kc} a[r][tap_offsets[t] + k] * W[t][k][j]) for r < m, j < n.
// a: mr row pointers (rows >= m must still be readable: the driver repeats a valid row); every
//    a[r] + tap_offsets[t] + k that is read must be in bounds (k < kc, rounded up to even for k-pair kernels).
// w: one packed panel: nr bias floats, then ks * kc * nr floats, [t][k][j] (k-pair kernels: [t][k / 2][j][2],
//    kc even), zero past the valid columns.
// c: mr output row pointers; only the first m rows and n <= nr columns are written. Never allocates or fails.
using IgemmUkernelFn = void (*)(int64_t ks, int64_t kc, const float* const* a, const int64_t* tap_offsets,
                                const float* w, float* const* c, int m, int n, const IgemmParams& params);

struct IgemmUkernel {
  Isa isa;
  int mr;
  int nr;
  bool kpair;  // consumes k two at a time (needs an even kc); weights interleaved by k pairs
  const char* name;
  IgemmUkernelFn fn;
  float efficiency;  // relative full-tile speed within its ISA
};

// The family table (every variant compiled in).
const IgemmUkernel* IgemmUkernels(int* count);
// The variant for a panel of the first of `n` remaining columns under the current ISA cap: the best ISA
// allowed, then the least padded columns / efficiency.
const IgemmUkernel& SelectIgemmUkernel(int64_t n);

// ---- Filter-gradient microkernels (family list: src/conv/f32-wgrad-list.h) ----

// C[r][j] += sum_{k < kc} a[k][a_offset + r] * b[k * b_stride + j] for r < m, j < n.
// a: kc row pointers, each readable at a_offset + [0, mr) (the op pads the channels it gathers);
// b: kc rows, the first n <= nr floats of each read; c: row-major with stride ldc, only m x n touched.
// Never allocates or fails.
using WgradUkernelFn = void (*)(int64_t kc, const float* const* a, int64_t a_offset, const float* b, int64_t b_stride,
                                float* c, int64_t ldc, int m, int n);

struct WgradUkernel {
  Isa isa;
  int mr;  // rows: input channels
  int nr;  // columns: output channels
  const char* name;
  WgradUkernelFn fn;
  float efficiency;
};

const WgradUkernel* WgradUkernels(int* count);
// The variant for an m x n (input x output channels) gradient under the current ISA cap.
const WgradUkernel& SelectWgradUkernel(int64_t m, int64_t n);

// ---- Depthwise microkernels (family list: src/conv/f32-dwconv-list.h) ----

// A tile of output rows of a depthwise conv over `channels` channels (a multiplier > 1 is expanded by the op,
// so that the input has one channel per output channel):
//   out[y * out_row_stride + x * channels + c] = clamp(bias[c] + sum_{i < kh, j < kw, 0 <= iw < in_w}
//       rows[y * kh + i][iw * channels + c] * w[(i * kw + j) * channels + c]),  iw = x * stride_w + j * dilation_w - pad_left
// for y < out_h, x < out_w, c < channels. rows[y * kh + i] is the input row under kernel row i of output row y
// (in_w pixels; the op passes a row of zeros for rows outside the image); columns outside [0, in_w) count as
// zero and are never read. Never allocates or fails.
struct DwconvArgs {
  const float* const* rows = nullptr;
  int64_t in_w = 0;
  int64_t channels = 0;
  const float* w = nullptr;
  const float* bias = nullptr;  // channels values or null
  float* out = nullptr;
  int64_t out_row_stride = 0;
  int64_t out_h = 0, out_w = 0;
  int64_t kernel_h = 0, kernel_w = 0;
  int64_t stride_w = 1, dilation_w = 1, pad_left = 0;  // pad_left may be negative
  bool clamp = false;
  float lo = 0.0f, hi = 0.0f;
};
using DwconvFn = void (*)(const DwconvArgs& args);

struct DwconvUkernel {
  Isa isa;
  int channel_tile;  // channels per vector step
  int kernel_h;      // 0: any kernel size
  int kernel_w;
  const char* name;
  DwconvFn fn;
};

const DwconvUkernel* DwconvUkernels(int* count);
// The best variant for a kernel size under the current ISA cap (a specialised size first, then any size).
const DwconvUkernel& SelectDwconvUkernel(int64_t kernel_h, int64_t kernel_w);

// ---- Ops ----

// conv2d: out[n, oh, ow, cout] = act(bias + sum over taps and the group's input channels of input * filter).
struct Conv2DArgs {
  ConvGeometry geometry;  // in_c = cin
  const float* input = nullptr;
  int64_t input_length = 0;
  const float* filter = nullptr;  // [kh, kw, cin / groups, cout]
  int64_t filter_length = 0;
  const float* bias = nullptr;  // cout or null
  int64_t bias_length = 0;
  float* out = nullptr;  // [n, oh, ow, cout]
  int64_t out_length = 0;
  int64_t out_channels = 0;
  int64_t groups = 1;
  Activation activation = Activation::kNone;
};
Status Conv2D(const Conv2DArgs& args);

// depthwiseConv2d: out[n, oh, ow, c * multiplier + m] = act(bias + sum over taps of input[..c] * filter[.., c, m]).
struct DepthwiseConv2DArgs {
  ConvGeometry geometry;
  const float* input = nullptr;
  int64_t input_length = 0;
  const float* filter = nullptr;  // [kh, kw, c, multiplier]
  int64_t filter_length = 0;
  const float* bias = nullptr;  // c * multiplier or null
  int64_t bias_length = 0;
  float* out = nullptr;
  int64_t out_length = 0;
  int64_t multiplier = 1;
  Activation activation = Activation::kNone;
};
Status DepthwiseConv2D(const DepthwiseConv2DArgs& args);

// Gradient of conv2d with respect to its input: dx[n, h, w, cin] from dy[n, oh, ow, cout] (overwrites dx).
struct Conv2DBackpropInputArgs {
  ConvGeometry geometry;  // the forward conv's geometry (input = dx's shape)
  const float* dy = nullptr;
  int64_t dy_length = 0;
  const float* filter = nullptr;
  int64_t filter_length = 0;
  float* dx = nullptr;
  int64_t dx_length = 0;
  int64_t out_channels = 0;
  int64_t groups = 1;
};
Status Conv2DBackpropInput(const Conv2DBackpropInputArgs& args);

// Gradient of conv2d with respect to its filter: dw[kh, kw, cin / groups, cout] (overwrites dw).
struct Conv2DBackpropFilterArgs {
  ConvGeometry geometry;
  const float* input = nullptr;
  int64_t input_length = 0;
  const float* dy = nullptr;
  int64_t dy_length = 0;
  float* dw = nullptr;
  int64_t dw_length = 0;
  int64_t out_channels = 0;
  int64_t groups = 1;
};
Status Conv2DBackpropFilter(const Conv2DBackpropFilterArgs& args);

// Depthwise gradients (filter [kh, kw, c, multiplier]); overwrite dx / dw.
struct DepthwiseBackpropInputArgs {
  ConvGeometry geometry;
  const float* dy = nullptr;
  int64_t dy_length = 0;
  const float* filter = nullptr;
  int64_t filter_length = 0;
  float* dx = nullptr;
  int64_t dx_length = 0;
  int64_t multiplier = 1;
};
Status DepthwiseConv2DBackpropInput(const DepthwiseBackpropInputArgs& args);

struct DepthwiseBackpropFilterArgs {
  ConvGeometry geometry;
  const float* input = nullptr;
  int64_t input_length = 0;
  const float* dy = nullptr;
  int64_t dy_length = 0;
  float* dw = nullptr;
  int64_t dw_length = 0;
  int64_t multiplier = 1;
};
Status DepthwiseConv2DBackpropFilter(const DepthwiseBackpropFilterArgs& args);

// Channel-sliced conv: the conv of the kept input channels with the kept (cin, cout) weights of a full HWIO
// filter, without building sliced tensors. The input holds every filter input channel (compact = false; the
// kept ones are read through the list) or exactly the kept ones in list order (compact = true).
struct SlicedConv2DArgs {
  ConvGeometry geometry;  // in_c = the input's channel count
  const float* input = nullptr;
  int64_t input_length = 0;
  const float* filter = nullptr;  // [kh, kw, filter_in_channels, filter_out_channels]
  int64_t filter_length = 0;
  int64_t filter_in_channels = 0;
  int64_t filter_out_channels = 0;
  const int32_t* input_channels = nullptr;  // distinct indices into filter_in_channels
  int64_t input_channel_count = 0;
  const int32_t* output_channels = nullptr;  // distinct indices into filter_out_channels
  int64_t output_channel_count = 0;
  bool compact = false;
  const float* bias = nullptr;  // filter_out_channels values or null (sliced by output_channels)
  int64_t bias_length = 0;
  float* out = nullptr;  // [n, oh, ow, output_channel_count]
  int64_t out_length = 0;
  Activation activation = Activation::kNone;
};
Status SlicedConv2D(const SlicedConv2DArgs& args);

// The one-time gather behind an exported pruned layer: filter[kh, kw, cin, cout] -> out_filter[kh, kw, |in|,
// |out|], and bias[cout] -> out_bias[|out|] when both are given.
struct SliceConv2DWeightsArgs {
  const float* filter = nullptr;
  int64_t filter_length = 0;
  int64_t kernel_h = 0, kernel_w = 0, in_channels = 0, out_channels = 0;
  const int32_t* input_channels = nullptr;
  int64_t input_channel_count = 0;
  const int32_t* output_channels = nullptr;
  int64_t output_channel_count = 0;
  float* out_filter = nullptr;
  int64_t out_filter_length = 0;
  const float* bias = nullptr;
  int64_t bias_length = 0;
  float* out_bias = nullptr;
  int64_t out_bias_length = 0;
};
Status SliceConv2DWeights(const SliceConv2DWeightsArgs& args);

}  // namespace amc
