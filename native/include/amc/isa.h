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

// The entry of an ISA variant table (entries have an `isa` field, the first one is the scalar baseline) with the
// highest ISA that this CPU supports within the cap; later entries win ties.
template <typename Entry>
const Entry& BestVariant(const Entry* table, int count) {
  const Isa cap = IsaCap();
  const Entry* best = &table[0];
  for (int i = 0; i < count; ++i) {
    const Entry& k = table[i];
    if (static_cast<int>(k.isa) <= static_cast<int>(cap) && IsaSupported(k.isa) &&
        static_cast<int>(k.isa) >= static_cast<int>(best->isa)) {
      best = &k;
    }
  }
  return *best;
}

}  // namespace amc
