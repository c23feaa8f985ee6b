// The indirect-GEMM convolution engine shared by conv2d (dense and grouped), the channel-sliced conv and the
// input gradient. It computes, for every pixel (n, y, x) of an output grid and every output column j < n:
//
//   out(n, y, x)[j] = act(bias[j] + sum_{t < ks} sum_{k < kc} S[n, sy, sx, channel(k)] * W(t, k, j)),
//   sy = y * ystep + tap_dy[t] - pad_top,  sx = x * xstep + tap_dx[t] - pad_left   (zero outside the source)
//
// M = grid pixels, N = columns, K = ks * kc. The A operand is never packed: each tile of mr pixels is handed to
// the microkernel as mr row pointers plus one offset per tap. When some tap falls outside the source (padding),
// reads a channel list, or a k-pair kernel needs an even channel count, each task first copies the source rows
// it needs into a zero-padded, channel-compacted band in its thread scratch (one read of the input per task,
// against the ks * N reads the microkernel makes of it); otherwise the pointers go straight into the source.
// Only the weights are packed, once per call, panel by panel with each panel's own microkernel (selected per
// panel width, see SelectIgemmUkernel).
#pragma once
#include <cstdint>
#include <vector>

#include "amc/conv.h"
#include "amc/status.h"

namespace amc::conv {

// W(t, k, j) = base[tap_index[t] * tap_stride + krow(k) * k_stride + jcol(j) * j_stride], where krow(k) is
// k_index[k] (or k + k_offset) and jcol(j) is j_index[j] (or j + j_offset); bias[jcol(j)] when bias is set.
struct WeightSource {
  const float* base = nullptr;
  const int64_t* tap_index = nullptr;  // ks entries
  int64_t tap_stride = 0;
  const int32_t* k_index = nullptr;
  int64_t k_offset = 0;
  int64_t k_stride = 0;
  const int32_t* j_index = nullptr;
  int64_t j_offset = 0;
  int64_t j_stride = 1;
  const float* bias = nullptr;
};

struct ConvEngineProblem {
  // Source tensor S [batch, src_h, src_w, src_c]; the K dimension reads channel(k) = chan_index[k] (when set) or
  // chan_offset + k, for k < kc.
  const float* src = nullptr;
  int64_t batch = 0, src_h = 0, src_w = 0, src_c = 0;
  int64_t kc = 0;
  int64_t chan_offset = 0;
  const int32_t* chan_index = nullptr;
  // Taps (ks of them) and the affine map from grid pixels to source pixels.
  int64_t ks = 0;
  const int64_t* tap_dy = nullptr;
  const int64_t* tap_dx = nullptr;
  int64_t ystep = 1, xstep = 1, pad_top = 0, pad_left = 0;
  int64_t grid_h = 0, grid_w = 0;
  // Grid pixel (n, y, x) lands at out + ((n * out_h + y * out_ystep + out_y0) * out_w + x * out_xstep + out_x0)
  // * out_pixel_stride + out_col0, columns [0, n).
  float* out = nullptr;
  int64_t out_h = 0, out_w = 0, out_ystep = 1, out_xstep = 1, out_y0 = 0, out_x0 = 0;
  int64_t out_pixel_stride = 0, out_col0 = 0;
  int64_t n = 0;
  WeightSource weights;
  Activation activation = Activation::kNone;
};

// The A side of the engine: where each grid pixel's inputs live. Either straight in the source (when every tap
// of every pixel falls inside it and the channels are a contiguous range), or in a per-chunk band in the
// calling thread's scratch: the source rows a chunk needs, zero-padded, with the used channels gathered and
// padded to band_channels (zero). In both cases tap t of a pixel reads its kc channels at
// row_pointer + tap_offsets()[t].
class ConvSource {
 public:
  // band_channels > kc forces the band (the extra channels read as zero), as does force_copy.
  ConvSource(const ConvEngineProblem& p, bool force_copy, int64_t band_channels);
  bool copy() const { return copy_; }
  const std::vector<int64_t>& tap_offsets() const { return tap_offsets_; }
  // Chunks of consecutive grid rows (n * grid_h + y), sized for L2 and for the thread count.
  int64_t chunks() const { return chunks_; }
  // The grid pixel (n * grid_h * grid_w + y * grid_w + x) a chunk starts at.
  int64_t first_pixel(int64_t chunk) const { return chunk * rows_per_chunk_ * p_.grid_w; }
  // Fills the band of `chunk` (if any) and its row pointers, `pad` extra entries repeating the last pixel;
  // also the output row pointers when c_rows is not null. Returns the chunk's pixel count, or -1 when scratch
  // memory runs out. The pointers live in this thread's scratch until its next Prepare.
  int64_t Prepare(int64_t chunk, int pad, const float*** a_rows, float*** c_rows) const;

 private:
  const ConvEngineProblem& p_;
  bool copy_ = false;
  int64_t cc_ = 0, bw_ = 0, span_y_ = 0, min_dy_ = 0, min_dx_ = 0;
  int64_t rows_ = 0, rows_per_chunk_ = 1, chunks_ = 0;
  std::vector<int64_t> tap_offsets_;
};

// Runs the problem (in parallel over chunks of grid rows). The caller has validated every index: the engine
// only reads source pixels inside [0, src_h) x [0, src_w) and the channels it is told to. Fails only when
// scratch memory cannot be allocated.
Status RunConvEngine(const ConvEngineProblem& p);

// Taps of a kh x kw kernel in row-major order: the filter tap index and the dilated source offsets.
void KernelTaps(const ConvGeometry& g, std::vector<int64_t>* index, std::vector<int64_t>* dy,
                std::vector<int64_t>* dx);

// The engine problem of a forward conv over `g`: source, taps, strides, padding and the output grid (the caller
// fills the channels, the output placement and the weights).
ConvEngineProblem ForwardProblem(const ConvGeometry& g, const float* input, const std::vector<int64_t>& tap_dy,
                                 const std::vector<int64_t>& tap_dx);

// A 64-byte aligned float buffer owned by an op for the duration of a call (nullptr data when allocation fails).
class AlignedFloats {
 public:
  explicit AlignedFloats(int64_t count);
  ~AlignedFloats();
  AlignedFloats(const AlignedFloats&) = delete;
  AlignedFloats& operator=(const AlignedFloats&) = delete;
  float* data() const { return data_; }
  bool ok() const { return data_ != nullptr || count_ == 0; }

 private:
  float* data_ = nullptr;
  int64_t count_ = 0;
};

}  // namespace amc::conv
