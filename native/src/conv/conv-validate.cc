#include "conv/conv-validate.h"

#include <vector>

namespace amc::conv {

int64_t CheckedProduct(std::initializer_list<int64_t> factors) {
  int64_t product = 1;
  for (int64_t f : factors) {
    if (f < 0 || __builtin_mul_overflow(product, f, &product) || product > kMaxElements) return -1;
  }
  return product;
}

Status CheckLength(const char* op, const char* arg, int64_t length, int64_t expected) {
  if (expected < 0) {
    return Status(StatusCode::kInvalidArgument,
                  std::string(op) + ": " + arg + " would hold more than 2^31 - 1 elements");
  }
  if (length != expected) {
    return ArgError(StatusCode::kShapeMismatch, op, arg, "length " + std::to_string(expected),
                    "length " + std::to_string(length));
  }
  return Status::Ok();
}

Status CheckOptionalLength(const char* op, const char* arg, const float* data, int64_t length, int64_t expected) {
  if (data == nullptr && length == 0) return Status::Ok();
  return CheckLength(op, arg, length, expected);
}

Status CheckRange(const char* op, const char* arg, int64_t value, int64_t min, int64_t max) {
  if (value < min || value > max) {
    return ArgError(StatusCode::kInvalidArgument, op, arg,
                    "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]", std::to_string(value));
  }
  return Status::Ok();
}

Status CheckIndexList(const char* op, const char* arg, const int32_t* list, int64_t count, int64_t limit) {
  if (list == nullptr || count <= 0) {
    return ArgError(StatusCode::kInvalidArgument, op, arg, "a non-empty index list", "an empty list");
  }
  std::vector<bool> seen(static_cast<size_t>(limit), false);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t index = list[i];
    if (index < 0 || index >= limit) {
      return ArgError(StatusCode::kIndexOutOfRange, op, arg, "indices in [0, " + std::to_string(limit) + ")",
                      std::to_string(index) + " at position " + std::to_string(i));
    }
    if (seen[static_cast<size_t>(index)]) {
      return ArgError(StatusCode::kIndexOutOfRange, op, arg, "distinct indices", std::to_string(index) + " twice");
    }
    seen[static_cast<size_t>(index)] = true;
  }
  return Status::Ok();
}

}  // namespace amc::conv
