// Binding of the conv family: conv2d, depthwiseConv2d, their backprops, slicedConv2d and sliceConv2dWeights,
// each with its Async twin. Options objects are built by @amc/kernels (packages/kernels/src/binding/conv.ts).
#include "amc/conv.h"
#include "common.h"

namespace amc::binding {
namespace {

Status ParseConv2D(Napi::Object o, Conv2DArgs* a) {
  const char* op = "conv2d";
  AMC_RETURN_IF_ERROR(ReadConvGeometry(o, op, &a->geometry));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "input", true, const_cast<float**>(&a->input), &a->input_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "filter", true, const_cast<float**>(&a->filter), &a->filter_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "bias", false, const_cast<float**>(&a->bias), &a->bias_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "out", true, &a->out, &a->out_length));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "outChannels", true, &a->out_channels));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "groups", false, &a->groups));
  return ReadActivation(o, op, &a->activation);
}

Status ParseDepthwise(Napi::Object o, DepthwiseConv2DArgs* a) {
  const char* op = "depthwiseConv2d";
  AMC_RETURN_IF_ERROR(ReadConvGeometry(o, op, &a->geometry));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "input", true, const_cast<float**>(&a->input), &a->input_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "filter", true, const_cast<float**>(&a->filter), &a->filter_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "bias", false, const_cast<float**>(&a->bias), &a->bias_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "out", true, &a->out, &a->out_length));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "multiplier", false, &a->multiplier));
  return ReadActivation(o, op, &a->activation);
}

Status ParseBackpropInput(Napi::Object o, Conv2DBackpropInputArgs* a) {
  const char* op = "conv2dBackpropInput";
  AMC_RETURN_IF_ERROR(ReadConvGeometry(o, op, &a->geometry));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "dy", true, const_cast<float**>(&a->dy), &a->dy_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "filter", true, const_cast<float**>(&a->filter), &a->filter_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "out", true, &a->dx, &a->dx_length));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "outChannels", true, &a->out_channels));
  return ReadInt(o, op, "groups", false, &a->groups);
}

Status ParseBackpropFilter(Napi::Object o, Conv2DBackpropFilterArgs* a) {
  const char* op = "conv2dBackpropFilter";
  AMC_RETURN_IF_ERROR(ReadConvGeometry(o, op, &a->geometry));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "input", true, const_cast<float**>(&a->input), &a->input_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "dy", true, const_cast<float**>(&a->dy), &a->dy_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "out", true, &a->dw, &a->dw_length));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "outChannels", true, &a->out_channels));
  return ReadInt(o, op, "groups", false, &a->groups);
}

Status ParseDepthwiseBackpropInput(Napi::Object o, DepthwiseBackpropInputArgs* a) {
  const char* op = "depthwiseConv2dBackpropInput";
  AMC_RETURN_IF_ERROR(ReadConvGeometry(o, op, &a->geometry));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "dy", true, const_cast<float**>(&a->dy), &a->dy_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "filter", true, const_cast<float**>(&a->filter), &a->filter_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "out", true, &a->dx, &a->dx_length));
  return ReadInt(o, op, "multiplier", false, &a->multiplier);
}

Status ParseDepthwiseBackpropFilter(Napi::Object o, DepthwiseBackpropFilterArgs* a) {
  const char* op = "depthwiseConv2dBackpropFilter";
  AMC_RETURN_IF_ERROR(ReadConvGeometry(o, op, &a->geometry));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "input", true, const_cast<float**>(&a->input), &a->input_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "dy", true, const_cast<float**>(&a->dy), &a->dy_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "out", true, &a->dw, &a->dw_length));
  return ReadInt(o, op, "multiplier", false, &a->multiplier);
}

Status ParseSliced(Napi::Object o, SlicedConv2DArgs* a) {
  const char* op = "slicedConv2d";
  AMC_RETURN_IF_ERROR(ReadConvGeometry(o, op, &a->geometry));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "input", true, const_cast<float**>(&a->input), &a->input_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "filter", true, const_cast<float**>(&a->filter), &a->filter_length));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "filterInChannels", true, &a->filter_in_channels));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "filterOutChannels", true, &a->filter_out_channels));
  AMC_RETURN_IF_ERROR(
      ReadI32(o, op, "inputChannels", true, const_cast<int32_t**>(&a->input_channels), &a->input_channel_count));
  AMC_RETURN_IF_ERROR(
      ReadI32(o, op, "outputChannels", true, const_cast<int32_t**>(&a->output_channels), &a->output_channel_count));
  AMC_RETURN_IF_ERROR(ReadBool(o, op, "compact", false, &a->compact));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "bias", false, const_cast<float**>(&a->bias), &a->bias_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "out", true, &a->out, &a->out_length));
  return ReadActivation(o, op, &a->activation);
}

Status ParseSliceWeights(Napi::Object o, SliceConv2DWeightsArgs* a) {
  const char* op = "sliceConv2dWeights";
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "filter", true, const_cast<float**>(&a->filter), &a->filter_length));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "kernelHeight", true, &a->kernel_h));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "kernelWidth", true, &a->kernel_w));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "inChannels", true, &a->in_channels));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "outChannels", true, &a->out_channels));
  AMC_RETURN_IF_ERROR(
      ReadI32(o, op, "inputChannels", true, const_cast<int32_t**>(&a->input_channels), &a->input_channel_count));
  AMC_RETURN_IF_ERROR(
      ReadI32(o, op, "outputChannels", true, const_cast<int32_t**>(&a->output_channels), &a->output_channel_count));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "outFilter", true, &a->out_filter, &a->out_filter_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "bias", false, const_cast<float**>(&a->bias), &a->bias_length));
  return ReadF32(o, op, "outBias", false, &a->out_bias, &a->out_bias_length);
}

void InitConv(Napi::Env env, Napi::Object exports) {
  AMC_EXPORT_OP(exports, "conv2d", Conv2DArgs, ParseConv2D, Conv2D);
  AMC_EXPORT_OP(exports, "depthwiseConv2d", DepthwiseConv2DArgs, ParseDepthwise, DepthwiseConv2D);
  AMC_EXPORT_OP(exports, "conv2dBackpropInput", Conv2DBackpropInputArgs, ParseBackpropInput, Conv2DBackpropInput);
  AMC_EXPORT_OP(exports, "conv2dBackpropFilter", Conv2DBackpropFilterArgs, ParseBackpropFilter, Conv2DBackpropFilter);
  AMC_EXPORT_OP(exports, "depthwiseConv2dBackpropInput", DepthwiseBackpropInputArgs, ParseDepthwiseBackpropInput,
                DepthwiseConv2DBackpropInput);
  AMC_EXPORT_OP(exports, "depthwiseConv2dBackpropFilter", DepthwiseBackpropFilterArgs, ParseDepthwiseBackpropFilter,
                DepthwiseConv2DBackpropFilter);
  AMC_EXPORT_OP(exports, "slicedConv2d", SlicedConv2DArgs, ParseSliced, SlicedConv2D);
  AMC_EXPORT_OP(exports, "sliceConv2dWeights", SliceConv2DWeightsArgs, ParseSliceWeights, SliceConv2DWeights);
}

// The igemm variants (dense, grouped and sliced conv, input gradient).
Napi::Array ConvInfo(Napi::Env env) {
  int count = 0;
  const IgemmUkernel* kernels = IgemmUkernels(&count);
  return VariantList(env, kernels, count, [](Napi::Object k, const IgemmUkernel& v) {
    k.Set("mr", v.mr);
    k.Set("nr", v.nr);
    k.Set("kpair", v.kpair);
  });
}

Napi::Array DwconvInfo(Napi::Env env) {
  int count = 0;
  const DwconvUkernel* kernels = DwconvUkernels(&count);
  return VariantList(env, kernels, count, [](Napi::Object k, const DwconvUkernel& v) {
    k.Set("channelTile", v.channel_tile);
    k.Set("kernelHeight", v.kernel_h);
    k.Set("kernelWidth", v.kernel_w);
  });
}

Napi::Array WgradInfo(Napi::Env env) {
  int count = 0;
  const WgradUkernel* kernels = WgradUkernels(&count);
  return VariantList(env, kernels, count, [](Napi::Object k, const WgradUkernel& v) {
    k.Set("mr", v.mr);
    k.Set("nr", v.nr);
  });
}

void InitNothing(Napi::Env, Napi::Object) {}

FamilyRegistrar conv_registrar("conv", InitConv, ConvInfo);
// The depthwise and filter-gradient variants are reported as their own families; their functions are
// exported by "conv" above.
FamilyRegistrar dwconv_registrar("dwconv", InitNothing, DwconvInfo);
FamilyRegistrar wgrad_registrar("wgrad", InitNothing, WgradInfo);

}  // namespace
}  // namespace amc::binding
