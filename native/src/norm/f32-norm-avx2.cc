// The norm compute compiled for avx2 (flags from the file suffix, see CMakeLists.txt).
#define AMC_NORM_NS avx2
#include "norm/f32-norm-impl.h"
#include "norm/f32-norm.h"

namespace amc::norm {

extern const Kernels kF32Norm_avx2;
const Kernels kF32Norm_avx2 = {"f32_norm__avx2", Isa::kAvx2, avx2::BatchNormRun, avx2::BatchNormGradRun};

}  // namespace amc::norm
