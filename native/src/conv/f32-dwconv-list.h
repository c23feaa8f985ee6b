// The f32 depthwise-conv tile microkernel family (contract: DwconvFn in amc/conv.h). ONE list drives the
// declarations, the selection table, getInfo().kernels.dwconv and the tests.
//   X(isa, channel_tile, kernel_h, kernel_w, function)
// kernel_h = kernel_w = 0 marks a variant for any kernel size; a size-specialised variant keeps its taps
// unrolled (and its weights in registers where they fit) and is preferred for that size. Selection: the best
// ISA allowed, then a specialised variant for the kernel size, else the any-size one.
#pragma once

#define AMC_F32_DWCONV_UKERNELS(X)                         \
  X(kScalar, 1, 0, 0, f32_dwconv_ukernel__scalar)          \
  X(kAvx2, 8, 3, 3, f32_dwconv_ukernel_3x3__avx2)          \
  X(kAvx2, 8, 5, 5, f32_dwconv_ukernel_5x5__avx2)          \
  X(kAvx2, 8, 0, 0, f32_dwconv_ukernel__avx2)              \
  X(kAvx512, 16, 3, 3, f32_dwconv_ukernel_3x3__avx512)     \
  X(kAvx512, 16, 5, 5, f32_dwconv_ukernel_5x5__avx512)     \
  X(kAvx512, 16, 0, 0, f32_dwconv_ukernel__avx512)
