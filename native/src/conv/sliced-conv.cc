// Channel-sliced conv: the engine reads the kept input channels through the index list (gathering them once
// per task into its zero-padded band) and packs only the kept (cin, cout) weights, so evaluating a new slicing
// of the same full weights allocates nothing beyond the call's packing scratch. Also the one-time gather that
// turns full weights into the compact weights of an exported pruned layer.
#include <string>
#include <vector>

#include "amc/conv.h"
#include "amc/thread-pool.h"
#include "conv/conv-engine.h"
#include "conv/conv-validate.h"

namespace amc {

Status SlicedConv2D(const SlicedConv2DArgs& a) {
  const char* op = "slicedConv2d";
  const ConvGeometry& g = a.geometry;
  AMC_RETURN_IF_ERROR(ValidateConvGeometry(op, g));
  AMC_RETURN_IF_ERROR(conv::CheckRange(op, "filterInChannels", a.filter_in_channels, 1, int64_t{1} << 24));
  AMC_RETURN_IF_ERROR(conv::CheckRange(op, "filterOutChannels", a.filter_out_channels, 1, int64_t{1} << 24));
  AMC_RETURN_IF_ERROR(conv::CheckIndexList(op, "inputChannels", a.input_channels, a.input_channel_count,
                                           a.filter_in_channels));
  AMC_RETURN_IF_ERROR(conv::CheckIndexList(op, "outputChannels", a.output_channels, a.output_channel_count,
                                           a.filter_out_channels));
  const int64_t expected_in_c = a.compact ? a.input_channel_count : a.filter_in_channels;
  if (g.in_c != expected_in_c) {
    return ArgError(StatusCode::kShapeMismatch, op, "inChannels",
                    std::to_string(expected_in_c) + (a.compact ? " (the kept channels)" : " (the filter's)"),
                    std::to_string(g.in_c));
  }
  AMC_RETURN_IF_ERROR(conv::CheckLength(op, "input", a.input_length, conv::CheckedProduct({g.batch, g.in_h, g.in_w, g.in_c})));
  AMC_RETURN_IF_ERROR(conv::CheckLength(
      op, "filter", a.filter_length,
      conv::CheckedProduct({g.kernel_h, g.kernel_w, a.filter_in_channels, a.filter_out_channels})));
  AMC_RETURN_IF_ERROR(conv::CheckOptionalLength(op, "bias", a.bias, a.bias_length, a.filter_out_channels));
  AMC_RETURN_IF_ERROR(conv::CheckLength(op, "out", a.out_length,
                                        conv::CheckedProduct({g.batch, g.out_h, g.out_w, a.output_channel_count})));
  if (a.out_length == 0) return Status::Ok();

  std::vector<int64_t> tap_index, tap_dy, tap_dx;
  conv::KernelTaps(g, &tap_index, &tap_dy, &tap_dx);
  conv::ConvEngineProblem p = conv::ForwardProblem(g, a.input, tap_dy, tap_dx);
  p.kc = a.input_channel_count;
  if (!a.compact) {
    // A run of consecutive channels needs no gather: read it as a channel range.
    bool run = true;
    for (int64_t k = 1; k < a.input_channel_count && run; ++k) {
      run = a.input_channels[k] == a.input_channels[0] + k;
    }
    if (run) {
      p.chan_offset = a.input_channels[0];
    } else {
      p.chan_index = a.input_channels;
    }
  }
  p.out = a.out;
  p.out_pixel_stride = a.output_channel_count;
  p.n = a.output_channel_count;
  p.weights.base = a.filter;
  p.weights.tap_index = tap_index.data();
  p.weights.tap_stride = a.filter_in_channels * a.filter_out_channels;
  p.weights.k_index = a.input_channels;
  p.weights.k_stride = a.filter_out_channels;
  p.weights.j_index = a.output_channels;
  p.weights.bias = a.bias;
  p.activation = a.activation;
  return conv::RunConvEngine(p);
}

Status SliceConv2DWeights(const SliceConv2DWeightsArgs& a) {
  const char* op = "sliceConv2dWeights";
  AMC_RETURN_IF_ERROR(conv::CheckRange(op, "kernelHeight", a.kernel_h, 1, int64_t{1} << 24));
  AMC_RETURN_IF_ERROR(conv::CheckRange(op, "kernelWidth", a.kernel_w, 1, int64_t{1} << 24));
  AMC_RETURN_IF_ERROR(conv::CheckRange(op, "inChannels", a.in_channels, 1, int64_t{1} << 24));
  AMC_RETURN_IF_ERROR(conv::CheckRange(op, "outChannels", a.out_channels, 1, int64_t{1} << 24));
  AMC_RETURN_IF_ERROR(conv::CheckIndexList(op, "inputChannels", a.input_channels, a.input_channel_count, a.in_channels));
  AMC_RETURN_IF_ERROR(
      conv::CheckIndexList(op, "outputChannels", a.output_channels, a.output_channel_count, a.out_channels));
  AMC_RETURN_IF_ERROR(conv::CheckLength(op, "filter", a.filter_length,
                                        conv::CheckedProduct({a.kernel_h, a.kernel_w, a.in_channels, a.out_channels})));
  const int64_t taps = a.kernel_h * a.kernel_w;
  AMC_RETURN_IF_ERROR(conv::CheckLength(
      op, "outFilter", a.out_filter_length,
      conv::CheckedProduct({a.kernel_h, a.kernel_w, a.input_channel_count, a.output_channel_count})));
  const bool with_bias = a.bias != nullptr || a.bias_length != 0;
  if (with_bias) {
    AMC_RETURN_IF_ERROR(conv::CheckLength(op, "bias", a.bias_length, a.out_channels));
    AMC_RETURN_IF_ERROR(conv::CheckLength(op, "outBias", a.out_bias_length, a.output_channel_count));
    for (int64_t j = 0; j < a.output_channel_count; ++j) a.out_bias[j] = a.bias[a.output_channels[j]];
  }
  ParallelFor(taps, [&](int64_t t) {
    const float* src = a.filter + t * a.in_channels * a.out_channels;
    float* dst = a.out_filter + t * a.input_channel_count * a.output_channel_count;
    for (int64_t k = 0; k < a.input_channel_count; ++k) {
      const float* row = src + static_cast<int64_t>(a.input_channels[k]) * a.out_channels;
      for (int64_t j = 0; j < a.output_channel_count; ++j) dst[k * a.output_channel_count + j] = row[a.output_channels[j]];
    }
  });
  return Status::Ok();
}

}  // namespace amc
