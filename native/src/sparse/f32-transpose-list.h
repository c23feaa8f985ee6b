// Tile transposes used by the SpMM panel packers and the NHWC output path:
//   dst[j * ldd + i] = src[i * lds + j]   for i < rows, j < cols
// X(isa, function). The best variant under the ISA cap is used.
#pragma once

#define AMC_F32_TRANSPOSE_KERNELS(X)   \
  X(kScalar, f32_transpose__scalar)    \
  X(kAvx2, f32_transpose__avx2)
