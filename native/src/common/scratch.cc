#include "amc/scratch.h"

#include <cstdlib>
#include <new>

namespace amc {
namespace {

struct Buffer {
  float* data = nullptr;
  size_t capacity = 0;
  ~Buffer() { std::free(data); }
};

}  // namespace

float* ThreadScratch(ScratchSlot slot, size_t floats) {
  thread_local Buffer buffers[static_cast<int>(ScratchSlot::kCount)];
  Buffer& buffer = buffers[static_cast<int>(slot)];
  if (floats <= buffer.capacity && buffer.data != nullptr) return buffer.data;
  size_t capacity = floats + floats / 4 + 64;
  size_t bytes = (capacity * sizeof(float) + 63) / 64 * 64;
  void* fresh = std::aligned_alloc(64, bytes);
  if (fresh == nullptr) return nullptr;
  std::free(buffer.data);
  buffer.data = static_cast<float*>(fresh);
  buffer.capacity = capacity;
  return buffer.data;
}

}  // namespace amc
