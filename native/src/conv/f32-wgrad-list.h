// The f32 filter-gradient microkernel family (contract: WgradUkernelFn in amc/conv.h): dW tiles accumulated
// over a run of output pixels with no packing, A read through the engine's per-pixel row pointers (input
// channels, broadcast) and B straight from dy rows (output channels, vector loads). ONE list drives the
// declarations, the selection table and getInfo().kernels.wgrad.
//   X(isa, mr, nr, function, efficiency)
// Selection: the best ISA allowed, then the least padded (input channels x output channels) work / efficiency.
#pragma once

#define AMC_F32_WGRAD_UKERNELS(X)                             \
  X(kScalar, 4, 8, f32_wgrad_ukernel_4x8__scalar, 1.0f)       \
  X(kAvx2, 6, 16, f32_wgrad_ukernel_6x16__avx2, 1.0f)         \
  X(kAvx2, 12, 8, f32_wgrad_ukernel_12x8__avx2, 0.75f)        \
  X(kAvx512, 8, 32, f32_wgrad_ukernel_8x32__avx512, 1.0f)     \
  X(kAvx512, 12, 16, f32_wgrad_ukernel_12x16__avx512, 0.95f)
