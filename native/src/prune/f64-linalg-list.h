// The f64 vector kernels of the least-squares solver (Cholesky, triangular solves, eigen rotations): ONE list
// drives the declarations and the selection table. Add a variant: write its functions, add one line here.
//   X(isa, suffix)  declares f64_dot__<suffix>, f64_axpy__<suffix>, f64_rot__<suffix>
#pragma once

#define AMC_F64_LINALG_KERNELS(X) \
  X(kScalar, scalar)              \
  X(kAvx2, avx2)                  \
  X(kAvx512, avx512)
