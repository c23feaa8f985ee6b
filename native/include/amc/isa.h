// Instruction-set levels and run-time CPU detection. Kernel families keep a table of variants tagged with
// the ISA they need; the op layer picks the best variant whose ISA is available and not above the cap.
#pragma once
#include <cstdint>

namespace amc {

enum class Isa : int { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };
constexpr int kIsaCount = 3;

const char* IsaName(Isa isa);
// Parses "scalar" | "avx2" | "avx512"; returns false on anything else.
bool ParseIsa(const char* name, Isa* out);
// True when this CPU and OS support the ISA (AVX2 implies FMA; AVX-512 means F, BW, VL and DQ).
bool IsaSupported(Isa isa);
// The best supported ISA.
Isa DetectedIsa();
// The cap used for kernel selection: the detected ISA unless lowered by SetIsaCap or AMC_ISA.
Isa IsaCap();
// Lowers (or restores) the cap; fails when the ISA is not supported here.
bool SetIsaCap(Isa isa);

}  // namespace amc
