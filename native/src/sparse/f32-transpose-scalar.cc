// f32 tile transpose, portable: 4 x 4 blocks through a register-sized local array, scalar edges.
#include <cstdint>

namespace amc {

void f32_transpose__scalar(const float* src, int64_t lds, float* dst, int64_t ldd, int64_t rows, int64_t cols) {
  int64_t i = 0;
  for (; i + 4 <= rows; i += 4) {
    int64_t j = 0;
    for (; j + 4 <= cols; j += 4) {
      float t[4][4];
      for (int a = 0; a < 4; ++a) {
        for (int b = 0; b < 4; ++b) t[b][a] = src[(i + a) * lds + j + b];
      }
      for (int b = 0; b < 4; ++b) {
        for (int a = 0; a < 4; ++a) dst[(j + b) * ldd + i + a] = t[b][a];
      }
    }
    for (; j < cols; ++j) {
      for (int a = 0; a < 4; ++a) dst[j * ldd + i + a] = src[(i + a) * lds + j];
    }
  }
  for (; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) dst[j * ldd + i] = src[i * lds + j];
  }
}

}  // namespace amc
