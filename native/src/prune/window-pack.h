// Packers of the least-squares GEMMs over windows of row-major matrices, with an optional per-column shift
// subtracted on the fly (never materialised). They feed GemmDriver or the microkernels directly.
#pragma once
#include <cstdint>

#include "amc/gemm.h"

namespace amc::prune {

// Packs rows [row, row + kc) and columns [col, col + w) of a row-major matrix M (row stride ld), minus
// shift[col + j] when a shift is given, as ceil(w / width) panels of kc x width floats (k-major, `width` per
// k; panel p at dst + p * kc * width), zero-padding the columns past w.
void PackPanels(const float* m, int64_t ld, int64_t row, int64_t col, int kc, int w, int width, const float* shift,
                float* dst);

// op(A)[i][p] = M[row0 + p][col0 + i] - shift[col0 + i]: a column window of M, transposed.
class WindowAPacker final : public APacker {
 public:
  WindowAPacker(const float* m, int64_t ld, int64_t row0, int64_t col0, const float* shift)
      : m_(m), ld_(ld), row0_(row0), col0_(col0), shift_(shift) {}
  void Pack(int64_t m0, int mc, int64_t k0, int kc, int mr, float* dst) const override {
    PackPanels(m_, ld_, row0_ + k0, col0_ + m0, kc, mc, mr, shift_, dst);
  }

 private:
  const float* m_;
  int64_t ld_, row0_, col0_;
  const float* shift_;
};

// op(B)[p][j] = M[row0 + p][col0 + j] - shift[col0 + j].
class WindowBPacker final : public BPacker {
 public:
  WindowBPacker(const float* m, int64_t ld, int64_t row0, int64_t col0, const float* shift)
      : m_(m), ld_(ld), row0_(row0), col0_(col0), shift_(shift) {}
  void Pack(int64_t k0, int kc, int64_t n0, int nc, int nr, float* dst) const override {
    PackPanels(m_, ld_, row0_ + k0, col0_ + n0, kc, nc, nr, shift_, dst);
  }

 private:
  const float* m_;
  int64_t ld_, row0_, col0_;
  const float* shift_;
};

// op(A) = rows [row0 + m0, + mc) of a row-major matrix (row stride ld), columns [k0, k0 + kc): mr rows at a
// time are interleaved, eight columns at a time, so that reads stay contiguous and writes sequential.
class RowsAPacker final : public APacker {
 public:
  RowsAPacker(const float* m, int64_t ld, int64_t row0) : m_(m), ld_(ld), row0_(row0) {}
  void Pack(int64_t m0, int mc, int64_t k0, int kc, int mr, float* dst) const override;

 private:
  const float* m_;
  int64_t ld_, row0_;
};

}  // namespace amc::prune
