#include "prune/f64-linalg.h"

#include "prune/f64-linalg-list.h"

namespace amc::linalg {

#define AMC_DECLARE_F64(isa, suffix)                                   \
  double f64_dot__##suffix(const double* x, const double* y, int64_t n); \
  void f64_axpy__##suffix(double a, const double* x, double* y, int64_t n); \
  void f64_rot__##suffix(double c, double s, double* x, double* y, int64_t n);
AMC_F64_LINALG_KERNELS(AMC_DECLARE_F64)
#undef AMC_DECLARE_F64

namespace {
#define AMC_F64_ENTRY(isa, suffix) {Isa::isa, "f64_linalg__" #suffix, f64_dot__##suffix, f64_axpy__##suffix, f64_rot__##suffix},
const F64Kernels kTable[] = {AMC_F64_LINALG_KERNELS(AMC_F64_ENTRY)};
#undef AMC_F64_ENTRY
constexpr int kCount = sizeof(kTable) / sizeof(kTable[0]);
}  // namespace

const F64Kernels* F64KernelTable(int* count) {
  *count = kCount;
  return kTable;
}

const F64Kernels& SelectF64Kernels() { return BestVariant(kTable, kCount); }

}  // namespace amc::linalg
