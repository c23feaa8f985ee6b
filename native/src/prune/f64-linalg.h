// f64 vector kernels used by prune/linalg.cc, one variant per ISA (f64-linalg-<isa>.cc), chosen at run time
// under the ISA cap. Contracts (n >= 0, no alignment required, x and y do not overlap):
//   dot(x, y, n)        sum x[i] * y[i]
//   axpy(a, x, y, n)    y[i] += a * x[i]
//   rot(c, s, x, y, n)  (x[i], y[i]) = (c x[i] - s y[i], s x[i] + c y[i])   (a Givens rotation)
#pragma once
#include <cstdint>

#include "amc/isa.h"

namespace amc::linalg {

struct F64Kernels {
  Isa isa;
  const char* name;
  double (*dot)(const double* x, const double* y, int64_t n);
  void (*axpy)(double a, const double* x, double* y, int64_t n);
  void (*rot)(double c, double s, double* x, double* y, int64_t n);
};

// The family table (every variant compiled in).
const F64Kernels* F64KernelTable(int* count);
// The best variant under the current ISA cap.
const F64Kernels& SelectF64Kernels();

}  // namespace amc::linalg
