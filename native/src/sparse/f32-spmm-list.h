// The f32 SpMM microkernel family: ONE list drives the declarations, the selection table, the tests (through
// getInfo().kernels.spmm) and the benchmarks. Add a variant: write its function, add one line here.
//   X(isa, format, mr, function, efficiency)
// `efficiency` is the variant's measured full-tile speed relative to the best one of its ISA and format (from
// a one-thread sweep over the 1x1-conv shapes of benchmarks/kernels at 90% sparsity on the reference machine);
// selection minimises padded columns / efficiency.
#pragma once

#define AMC_F32_SPMM_UKERNELS(X)                                             \
  X(kScalar, kCsr, 8, f32_spmm_csr_ukernel_8__scalar, 1.0f)                 \
  X(kScalar, kBlockCsr4, 8, f32_spmm_bcsr4_ukernel_8__scalar, 1.0f)         \
  X(kAvx2, kCsr, 8, f32_spmm_csr_ukernel_8__avx2, 0.5f)                     \
  X(kAvx2, kCsr, 16, f32_spmm_csr_ukernel_16__avx2, 0.7f)                   \
  X(kAvx2, kCsr, 32, f32_spmm_csr_ukernel_32__avx2, 0.95f)                  \
  X(kAvx2, kCsr, 64, f32_spmm_csr_ukernel_64__avx2, 1.0f)                   \
  X(kAvx2, kBlockCsr4, 8, f32_spmm_bcsr4_ukernel_8__avx2, 0.6f)             \
  X(kAvx2, kBlockCsr4, 16, f32_spmm_bcsr4_ukernel_16__avx2, 0.95f)          \
  X(kAvx2, kBlockCsr4, 24, f32_spmm_bcsr4_ukernel_24__avx2, 1.0f)           \
  X(kAvx512, kCsr, 16, f32_spmm_csr_ukernel_16__avx512, 0.6f)               \
  X(kAvx512, kCsr, 32, f32_spmm_csr_ukernel_32__avx512, 0.85f)              \
  X(kAvx512, kCsr, 64, f32_spmm_csr_ukernel_64__avx512, 1.0f)               \
  X(kAvx512, kBlockCsr4, 16, f32_spmm_bcsr4_ukernel_16__avx512, 0.7f)       \
  X(kAvx512, kBlockCsr4, 32, f32_spmm_bcsr4_ukernel_32__avx512, 0.95f)      \
  X(kAvx512, kBlockCsr4, 64, f32_spmm_bcsr4_ukernel_64__avx512, 1.0f)
