// Argument checks shared by the conv ops (every op re-validates what the TypeScript wrapper already checked,
// so that no call can make the kernels read or write out of bounds).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>

#include "amc/conv-geometry.h"
#include "amc/status.h"

namespace amc::conv {

constexpr int64_t kMaxElements = (int64_t{1} << 31) - 1;

// Product of the factors, or -1 when it overflows or exceeds kMaxElements.
int64_t CheckedProduct(std::initializer_list<int64_t> factors);

// kShapeMismatch unless `length` equals `expected` (and `expected` is a valid size).
Status CheckLength(const char* op, const char* arg, int64_t length, int64_t expected);

// kShapeMismatch unless the optional buffer is absent or has `expected` elements; a present but empty typed
// array arrives as (nullptr, 0) and is accepted only when `expected` is 0.
Status CheckOptionalLength(const char* op, const char* arg, const float* data, int64_t length, int64_t expected);

// kInvalidArgument unless value is an integer in [min, max].
Status CheckRange(const char* op, const char* arg, int64_t value, int64_t min, int64_t max);

// kIndexOutOfRange unless the list is non-empty, every index is in [0, limit) and no index repeats.
Status CheckIndexList(const char* op, const char* arg, const int32_t* list, int64_t count, int64_t limit);

}  // namespace amc::conv
