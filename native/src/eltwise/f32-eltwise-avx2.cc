// The eltwise loops compiled for avx2 (flags from the file suffix, see CMakeLists.txt).
#define AMC_ELTWISE_NS avx2
#include "eltwise/f32-eltwise-impl.h"

namespace amc::eltwise {

extern const Kernels kF32Eltwise_avx2;
const Kernels kF32Eltwise_avx2 = {
    "f32_eltwise__avx2", Isa::kAvx2, avx2::UnaryLoop, avx2::BinarySame, avx2::BinaryScalarA, avx2::BinaryScalarB,
    avx2::ActivationGradLoop, avx2::ClipGradLoop,
};

}  // namespace amc::eltwise
