// The eltwise loops compiled for avx512 (flags from the file suffix, see CMakeLists.txt).
#define AMC_ELTWISE_NS avx512
#include "eltwise/f32-eltwise-impl.h"

namespace amc::eltwise {

extern const Kernels kF32Eltwise_avx512;
const Kernels kF32Eltwise_avx512 = {
    "f32_eltwise__avx512", Isa::kAvx512, avx512::UnaryLoop, avx512::BinarySame, avx512::BinaryScalarA, avx512::BinaryScalarB,
    avx512::ActivationGradLoop, avx512::ClipGradLoop,
};

}  // namespace amc::eltwise
