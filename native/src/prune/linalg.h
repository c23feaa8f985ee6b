// Small dense symmetric linear algebra in double for the least-squares solver (n up to a few thousand):
// Cholesky factorisation and solve, and the symmetric eigendecomposition (Householder tridiagonalisation
// followed by the implicit QL iteration, after EISPACK tred2 / tql2 as published in JAMA). The inner loops
// run on the f64 kernels `k` of the ISA in force (SelectF64Kernels()).
#pragma once
#include <cstdint>

#include "prune/f64-linalg.h"

namespace amc::linalg {

// Factors the symmetric positive definite A = L L^T in place: `a` is n x n row-major, only its lower triangle
// is read, and it is overwritten by L (the strict upper triangle is left as it was). Fails (returns false,
// `a` partly overwritten) when a pivot is not finite or not above `pivot_floor`.
bool CholeskyInPlace(const F64Kernels& k, double* a, int64_t n, double pivot_floor);

// Solves L L^T X = B in place for the n x m row-major right-hand sides `b`, given the factor of
// CholeskyInPlace.
void CholeskySolve(const F64Kernels& k, const double* l, int64_t n, double* b, int64_t m);

// Eigendecomposition of the symmetric A (n x n row-major, lower triangle read): A = V diag(d) V^T. On return
// `v` (n x n) holds the eigenvectors COLUMN-major: v[i * n + k] is component k of eigenvector i, with
// eigenvalue d[i]. Eigenvalues are not sorted. Returns false when the QL iteration did not converge for
// some eigenvalue within its iteration cap (the vectors are still orthonormal; that eigenvalue is inexact).
bool SymmetricEigen(const F64Kernels& k, const double* a, int64_t n, double* v, double* d);

}  // namespace amc::linalg
