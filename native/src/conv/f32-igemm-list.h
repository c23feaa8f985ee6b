// The f32 indirect-GEMM microkernel family used by dense, grouped and sliced convolution and by the input
// gradient. ONE list drives the declarations, the selection table, getInfo().kernels.conv and the tests.
//   X(isa, mr, nr, kpair, function, efficiency)
// kpair variants consume input channels two at a time (one 8-byte broadcast feeds two FMAs), which keeps narrow
// panels (nr = one vector) FMA-bound instead of broadcast-bound; they need an even channel count per tap, which
// the engine provides (a zero channel in its band) when the source has an odd one. The 4x12k2 variant serves
// panels of 8q + 4 columns (channel counts pruned to multiples of 4) without the 6x16 kernel's empty quarter.
// `efficiency` is the full-tile speed relative to the best variant of its ISA (measured on Zen 3 for AVX2);
// selection minimises padded columns / efficiency, panel by panel.
#pragma once

#define AMC_F32_IGEMM_UKERNELS(X)                                   \
  X(kScalar, 4, 8, false, f32_igemm_ukernel_4x8__scalar, 1.0f)      \
  X(kAvx2, 6, 16, false, f32_igemm_ukernel_6x16__avx2, 1.0f)        \
  X(kAvx2, 6, 8, true, f32_igemm_ukernel_6x8k2__avx2, 0.95f)        \
  X(kAvx2, 4, 12, true, f32_igemm_ukernel_4x12k2__avx2, 0.95f)     \
  X(kAvx512, 8, 32, false, f32_igemm_ukernel_8x32__avx512, 1.0f)    \
  X(kAvx512, 8, 16, true, f32_igemm_ukernel_8x16k2__avx512, 0.95f)  \
  X(kAvx512, 8, 8, true, f32_igemm_ukernel_8x8k2__avx512, 0.95f)
