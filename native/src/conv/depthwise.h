// Internal entry points of the depthwise family, shared with conv2d (a grouped conv with one input channel per
// group is a depthwise conv whose multiplier is the group's output channel count, over the same memory layout).
// Arguments are already validated by the caller.
#pragma once
#include <cstdint>

#include "amc/conv.h"

namespace amc::conv {

struct DepthwiseProblem {
  ConvGeometry g;
  int64_t multiplier = 1;
  const float* input = nullptr;   // forward, filter gradient
  const float* filter = nullptr;  // forward, input gradient
  const float* dy = nullptr;      // gradients
  const float* bias = nullptr;
  float* out = nullptr;  // forward: y; input gradient: dx; filter gradient: dw
  Activation activation = Activation::kNone;
};

Status RunDepthwiseForward(const DepthwiseProblem& p);
Status RunDepthwiseBackpropInput(const DepthwiseProblem& p);
Status RunDepthwiseBackpropFilter(const DepthwiseProblem& p);

}  // namespace amc::conv
