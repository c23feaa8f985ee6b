// Grow-only, 64-byte aligned, per-thread scratch buffers for packing. Never shrinks during the thread's life;
// a failed allocation returns nullptr (callers turn it into kNativeFailure).
#pragma once
#include <cstddef>

namespace amc {

enum class ScratchSlot : int { kPackA = 0, kPackB = 1, kWork0 = 2, kWork1 = 3, kCount = 4 };

// Returns a buffer of at least `floats` floats for this thread and slot, or nullptr when allocation fails.
float* ThreadScratch(ScratchSlot slot, size_t floats);

}  // namespace amc
