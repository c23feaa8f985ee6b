// The eltwise loops compiled for scalar (flags from the file suffix, see CMakeLists.txt).
#define AMC_ELTWISE_NS scalar
#include "eltwise/f32-eltwise-impl.h"

namespace amc::eltwise {

extern const Kernels kF32Eltwise_scalar;
const Kernels kF32Eltwise_scalar = {
    "f32_eltwise__scalar", Isa::kScalar, scalar::UnaryLoop, scalar::BinarySame, scalar::BinaryScalarA, scalar::BinaryScalarB,
    scalar::ActivationGradLoop, scalar::ClipGradLoop,
};

}  // namespace amc::eltwise
