// The norm compute compiled for scalar (flags from the file suffix, see CMakeLists.txt).
#define AMC_NORM_NS scalar
#include "norm/f32-norm-impl.h"
#include "norm/f32-norm.h"

namespace amc::norm {

extern const Kernels kF32Norm_scalar;
const Kernels kF32Norm_scalar = {"f32_norm__scalar", Isa::kScalar, scalar::BatchNormRun, scalar::BatchNormGradRun};

}  // namespace amc::norm
