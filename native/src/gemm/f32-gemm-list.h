// The f32 GEMM microkernel family: ONE list drives the declarations, the selection table, the tests (through
// getInfo().kernels.gemm) and the benchmarks. Add a variant: write its function, add one line here.
//   X(isa, mr, nr, function, efficiency)
// `efficiency` is the variant's measured speed relative to the best one of its ISA on full tiles (from
// benchmarks/kernels on the reference machine); selection minimises padded columns / efficiency.
#pragma once

#define AMC_F32_GEMM_UKERNELS(X)                                 \
  X(kScalar, 4, 8, f32_gemm_ukernel_4x8__scalar, 1.0f)          \
  X(kAvx2, 6, 16, f32_gemm_ukernel_6x16__avx2, 0.95f)           \
  X(kAvx2, 4, 24, f32_gemm_ukernel_4x24__avx2, 1.0f)            \
  X(kAvx512, 14, 32, f32_gemm_ukernel_14x32__avx512, 1.0f)      \
  X(kAvx512, 28, 16, f32_gemm_ukernel_28x16__avx512, 0.95f)
