// Sparse 2-D convolution over NHWC activations: SpMM with an implicit-im2col panel packer. A tile of mr output
// pixels is gathered and transposed into a K x mr panel (K = kh * kw * cin), multiplied by the sparse
// cout x K weights, and the cout x mr result is transposed back into the NHWC output; see amc/sparse.h.
#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include "amc/sparse.h"

namespace amc {

using TransposeFn = void (*)(const float* src, int64_t lds, float* dst, int64_t ldd, int64_t rows, int64_t cols);
TransposeFn SelectTranspose();

namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
int64_t CeilDivSigned(int64_t a, int64_t b) { return -FloorDiv(-a, b); }

}  // namespace

namespace {

// One K x mr panel of the implicit im2col matrix: output pixels [n0, n0 + nc), nc <= mr.
void PackIm2colPanel(const float* input, const ConvGeometry& g, int64_t n0, int nc, int mr, float* panel) {
  const int64_t cin = g.in_c;
  const int64_t k_total = g.kernel_h * g.kernel_w * cin;
  const TransposeFn transpose = SelectTranspose();
  if (nc < mr) {
    for (int64_t r = 0; r < k_total; ++r) std::memset(panel + r * mr + nc, 0, static_cast<size_t>(mr - nc) * sizeof(float));
  }
  const int64_t plane = g.out_h * g.out_w;
  // Walk the tile in runs of consecutive output pixels of one output row (same batch, same oy).
  for (int64_t t = 0; t < nc;) {
    const int64_t p = n0 + t;
    const int64_t batch = p / plane;
    const int64_t oy = (p % plane) / g.out_w;
    const int64_t ox0 = p % g.out_w;
    const int64_t len = std::min<int64_t>(nc - t, g.out_w - ox0);
    for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
      const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
      for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
        float* dst = panel + (ky * g.kernel_w + kx) * cin * mr + t;
        // Output columns ox in [lo, hi) read input columns inside [0, in_w).
        int64_t lo = ox0, hi = ox0;
        if (iy >= 0 && iy < g.in_h) {
          const int64_t shift = g.pad_left - kx * g.dilation_w;
          lo = std::min(ox0 + len, std::max(ox0, CeilDivSigned(shift, g.stride_w)));
          hi = std::max(lo, std::min(ox0 + len, FloorDiv(g.in_w - 1 + shift, g.stride_w) + 1));
        }
        if (lo > ox0 || hi < ox0 + len) {
          for (int64_t ci = 0; ci < cin; ++ci) {
            float* row = dst + ci * mr;
            for (int64_t ox = ox0; ox < lo; ++ox) row[ox - ox0] = 0.0f;
            for (int64_t ox = hi; ox < ox0 + len; ++ox) row[ox - ox0] = 0.0f;
          }
        }
        if (hi > lo) {
          const int64_t ix = lo * g.stride_w - g.pad_left + kx * g.dilation_w;
          const float* src = input + ((batch * g.in_h + iy) * g.in_w + ix) * cin;
          transpose(src, g.stride_w * cin, dst + (lo - ox0), mr, hi - lo, cin);
        }
      }
    }
    t += len;
  }
}

}  // namespace

void Im2colPanelPacker::Pack(int64_t n0, int nc, int mr, float* panels) const {
  const int64_t panel_size = g_.kernel_h * g_.kernel_w * g_.in_c * mr;
  for (int j0 = 0; j0 < nc; j0 += mr) {
    PackIm2colPanel(input_, g_, n0 + j0, std::min(mr, nc - j0), mr, panels + j0 / mr * panel_size);
  }
}

Status SparseConv2d(const SparseConv2dArgs& args) {
  const char* op = "sparseConv2d";
  const ConvGeometry& g = args.geometry;
  AMC_RETURN_IF_ERROR(ValidateConvGeometry(op, g));
  AMC_RETURN_IF_ERROR(ValidateSparseMatrix(op, args.weights));
  int64_t k = 0;
  if (__builtin_mul_overflow(g.kernel_h * g.kernel_w, g.in_c, &k) || args.weights.cols != k) {
    return ArgError(StatusCode::kShapeMismatch, op, "weights.cols", "kernelHeight * kernelWidth * inChannels = " + std::to_string(k),
                    std::to_string(args.weights.cols));
  }
  const int64_t pixels = g.OutputPixels();
  int64_t out_size = 0;
  if (__builtin_mul_overflow(pixels, args.weights.rows, &out_size) || out_size > std::numeric_limits<int32_t>::max()) {
    return Status(StatusCode::kInvalidArgument, "sparseConv2d: output too large (native check)");
  }
  if (args.input_length != g.InputSize()) {
    return ArgError(StatusCode::kShapeMismatch, op, "input", "length " + std::to_string(g.InputSize()),
                    "length " + std::to_string(args.input_length));
  }
  if (args.output_length != out_size) {
    return ArgError(StatusCode::kShapeMismatch, op, "output", "length " + std::to_string(out_size),
                    "length " + std::to_string(args.output_length));
  }
  if (args.bias != nullptr && args.bias_length != args.weights.rows) {
    return ArgError(StatusCode::kShapeMismatch, op, "bias", "length " + std::to_string(args.weights.rows),
                    "length " + std::to_string(args.bias_length));
  }
  if ((g.InputSize() > 0 && args.input == nullptr) || (out_size > 0 && args.output == nullptr)) {
    return Status(StatusCode::kInvalidArgument, "sparseConv2d: a buffer is missing (native check)");
  }
  SpmmOutput out;
  out.c = args.output;
  out.ldc = args.weights.rows;
  out.transposed = true;
  out.bias = args.bias;
  out.activation = args.activation;
  const bool pointwise = g.kernel_h == 1 && g.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 &&
                         g.pad_bottom == 0 && g.pad_left == 0 && g.pad_right == 0;
  if (pointwise) {
    // Output pixels are input pixels: a plain transpose of [pixels x cin].
    TransposedPanelPacker packer(args.input, g.in_c, g.in_c);
    return SpmmDriver(args.weights, pixels, packer, out);
  }
  Im2colPanelPacker packer(args.input, g);
  return SpmmDriver(args.weights, pixels, packer, out);
}

}  // namespace amc
