// The norm compute compiled for avx512 (flags from the file suffix, see CMakeLists.txt).
#define AMC_NORM_NS avx512
#include "norm/f32-norm-impl.h"
#include "norm/f32-norm.h"

namespace amc::norm {

extern const Kernels kF32Norm_avx512;
const Kernels kF32Norm_avx512 = {"f32_norm__avx512", Isa::kAvx512, avx512::BatchNormRun, avx512::BatchNormGradRun};

}  // namespace amc::norm
