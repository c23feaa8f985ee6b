// Depthwise convolution: the forward op (tile microkernels from f32-dwconv-list.h, parallel over tiles of
// output rows), and its gradients. The input gradient of a stride-1 depthwise conv is itself a depthwise conv of dy with the
// spatially flipped filter, so it runs on the same microkernels; other strides use a direct gather loop. The
// filter gradient accumulates per-thread partial sums over chunks of output rows.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>
#include <vector>

#include "amc/scratch.h"
#include "amc/thread-pool.h"
#include "conv/conv-engine.h"
#include "conv/conv-validate.h"
#include "conv/depthwise.h"
#include "conv/f32-dwconv-list.h"

namespace amc {

#define AMC_DECLARE_DWCONV(isa, tile, kh, kw, fn) void fn(const DwconvArgs& args);
AMC_F32_DWCONV_UKERNELS(AMC_DECLARE_DWCONV)
#undef AMC_DECLARE_DWCONV

namespace {

#define AMC_DWCONV_ENTRY(isa, tile, kh, kw, fn) {Isa::isa, tile, kh, kw, #fn, fn},
const DwconvUkernel kDwconvUkernels[] = {AMC_F32_DWCONV_UKERNELS(AMC_DWCONV_ENTRY)};
#undef AMC_DWCONV_ENTRY
constexpr int kDwconvUkernelCount = sizeof(kDwconvUkernels) / sizeof(kDwconvUkernels[0]);

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Channels per block of the gradient loops: a local accumulator the compiler keeps in vector registers.
constexpr int64_t kBlock = 16;

// Rows per parallel task: about 64K multiply-adds each, and at least four tasks per thread when there are enough
// rows.
int64_t RowsPerTask(int64_t rows, int64_t row_work) {
  const int64_t by_work = std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(1, row_work));
  const int64_t by_threads = std::max<int64_t>(1, CeilDiv(rows, 4 * NumThreads()));
  return std::min(by_work, by_threads);
}

}  // namespace

const DwconvUkernel* DwconvUkernels(int* count) {
  *count = kDwconvUkernelCount;
  return kDwconvUkernels;
}

const DwconvUkernel& SelectDwconvUkernel(int64_t kernel_h, int64_t kernel_w) {
  const Isa cap = IsaCap();
  int best_isa = -1;
  for (const auto& uk : kDwconvUkernels) {
    if (static_cast<int>(uk.isa) <= static_cast<int>(cap) && IsaSupported(uk.isa)) {
      best_isa = std::max(best_isa, static_cast<int>(uk.isa));
    }
  }
  const DwconvUkernel* any = &kDwconvUkernels[0];
  for (const auto& uk : kDwconvUkernels) {
    if (static_cast<int>(uk.isa) != best_isa) continue;
    if (uk.kernel_h == kernel_h && uk.kernel_w == kernel_w) return uk;
    if (uk.kernel_h == 0) any = &uk;
  }
  return *any;
}

namespace conv {
namespace {

// A depthwise conv over a batch of images, run as tiles of output rows (row pointers into the source, a zero row
// for rows outside it).
struct DwTiles {
  const float* src = nullptr;  // [batch, src_h, src_w, src_c]
  int64_t batch = 0, src_h = 0, src_w = 0, src_c = 0;
  int64_t expand = 1;  // the band repeats every source channel this many times (a forward multiplier)
  int64_t reduce = 1;  // out[c] = sum over m < reduce of tile[c * reduce + m] (an input gradient's multiplier)
  int64_t pad_top = 0, pad_left = 0;  // may be negative (the band then starts inside the source)
  int64_t out_h = 0, out_w = 0;
  int64_t kernel_h = 0, kernel_w = 0, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  const float* w = nullptr;
  const float* bias = nullptr;
  Activation activation = Activation::kNone;
  float* out = nullptr;  // [batch, out_h, out_w, src_c * expand / reduce]
};

Status RunDwTiles(const char* op, const DwTiles& d) {
  const int64_t channels = d.src_c * d.expand;  // the kernel's channels
  const int64_t out_c = channels / d.reduce;
  if (d.batch * d.out_h * d.out_w == 0 || channels == 0) return Status::Ok();
  const DwconvUkernel& uk = SelectDwconvUkernel(d.kernel_h, d.kernel_w);
  DwconvArgs base;
  base.in_w = d.src_w;
  base.channels = channels;
  base.w = d.w;
  base.bias = d.bias;
  base.out_w = d.out_w;
  base.out_row_stride = d.out_w * channels;
  base.kernel_h = d.kernel_h;
  base.kernel_w = d.kernel_w;
  base.stride_w = d.stride_w;
  base.dilation_w = d.dilation_w;
  base.pad_left = d.pad_left;
  SetActivation(d.activation, &base.clamp, &base.lo, &base.hi);

  // Tiles of output rows within one image: enough for every thread, and (when rows are expanded for a
  // multiplier) small enough for their expanded input rows to stay in L2.
  const int64_t span = (d.kernel_h - 1) * d.dilation_h + 1;
  const int64_t row_floats = std::max<int64_t>(1, d.stride_h * d.src_w * channels);
  const int64_t by_size = d.expand > 1 ? std::max<int64_t>(1, (int64_t{32} << 10) / row_floats) : d.out_h;
  const int64_t by_threads = std::max<int64_t>(1, CeilDiv(d.batch * d.out_h, 4 * NumThreads()));
  const int64_t rows_per_tile = std::max<int64_t>(1, std::min({by_size, by_threads, d.out_h}));
  const int64_t tiles_per_image = CeilDiv(d.out_h, rows_per_tile);
  const int64_t pointer_floats = (rows_per_tile * d.kernel_h * 2 + 15) / 16 * 16;
  const int64_t row_size = d.src_w * channels;
  std::atomic<bool> failed{false};
  ParallelFor(d.batch * tiles_per_image, [&](int64_t tile) {
    const int64_t n = tile / tiles_per_image;
    const int64_t y0 = (tile % tiles_per_image) * rows_per_tile;
    const int64_t rows = std::min(rows_per_tile, d.out_h - y0);
    // Row pointers, then one row of zeros for window rows outside the image.
    float* storage = ThreadScratch(ScratchSlot::kWork1, static_cast<size_t>(pointer_floats + row_size));
    if (storage == nullptr) {
      failed = true;
      return;
    }
    const float** row_ptrs = reinterpret_cast<const float**>(storage);
    float* zero_row = storage + pointer_floats;
    std::fill(zero_row, zero_row + row_size, 0.0f);
    // Source rows [sy0, sy0 + band) feed this tile; with a multiplier they are expanded once into scratch.
    const int64_t sy0 = y0 * d.stride_h - d.pad_top;
    const int64_t band = (rows - 1) * d.stride_h + span;
    float* expanded = nullptr;
    if (d.expand > 1) {
      expanded = ThreadScratch(ScratchSlot::kWork0, static_cast<size_t>(band * row_size));
      if (expanded == nullptr) {
        failed = true;
        return;
      }
      for (int64_t b = 0; b < band; ++b) {
        const int64_t sy = sy0 + b;
        if (sy < 0 || sy >= d.src_h) continue;
        const float* src = d.src + (n * d.src_h + sy) * d.src_w * d.src_c;
        float* dst = expanded + b * row_size;
        for (int64_t i = 0; i < d.src_w * d.src_c; ++i) {
          for (int64_t m = 0; m < d.expand; ++m) dst[i * d.expand + m] = src[i];
        }
      }
    }
    for (int64_t y = 0; y < rows; ++y) {
      for (int64_t i = 0; i < d.kernel_h; ++i) {
        const int64_t b = y * d.stride_h + i * d.dilation_h;
        const int64_t sy = sy0 + b;
        const float* row = zero_row;
        if (sy >= 0 && sy < d.src_h) {
          row = expanded != nullptr ? expanded + b * row_size : d.src + (n * d.src_h + sy) * d.src_w * d.src_c;
        }
        row_ptrs[y * d.kernel_h + i] = row;
      }
    }
    DwconvArgs args = base;
    args.rows = row_ptrs;
    args.out_h = rows;
    float* out = d.out + (n * d.out_h + y0) * d.out_w * out_c;
    if (d.reduce == 1) {
      args.out = out;
      uk.fn(args);
      return;
    }
    float* temp = ThreadScratch(ScratchSlot::kPackA, static_cast<size_t>(rows * d.out_w * channels));
    if (temp == nullptr) {
      failed = true;
      return;
    }
    args.out = temp;
    uk.fn(args);
    for (int64_t i = 0; i < rows * d.out_w * out_c; ++i) {
      float sum = 0.0f;
      for (int64_t m = 0; m < d.reduce; ++m) sum += temp[i * d.reduce + m];
      out[i] = sum;
    }
  });
  if (failed) return Status(StatusCode::kNativeFailure, std::string(op) + ": out of memory");
  return Status::Ok();
}

}  // namespace

Status RunDepthwiseForward(const DepthwiseProblem& p) {
  const ConvGeometry& g = p.g;
  DwTiles d;
  d.src = p.input;
  d.batch = g.batch;
  d.src_h = g.in_h;
  d.src_w = g.in_w;
  d.src_c = g.in_c;
  d.expand = p.multiplier;
  d.pad_top = g.pad_top;
  d.pad_left = g.pad_left;
  d.out_h = g.out_h;
  d.out_w = g.out_w;
  d.kernel_h = g.kernel_h;
  d.kernel_w = g.kernel_w;
  d.stride_h = g.stride_h;
  d.stride_w = g.stride_w;
  d.dilation_h = g.dilation_h;
  d.dilation_w = g.dilation_w;
  d.w = p.filter;
  d.bias = p.bias;
  d.activation = p.activation;
  d.out = p.out;
  return RunDwTiles("depthwiseConv2d", d);
}

Status RunDepthwiseBackpropInput(const DepthwiseProblem& p) {
  const ConvGeometry& g = p.g;
  const int64_t mult = p.multiplier;
  const int64_t cin = g.in_c;
  const int64_t channels = cin * mult;
  const int64_t kh = g.kernel_h;
  const int64_t kw = g.kernel_w;
  const int64_t rows = g.batch * g.in_h;
  if (rows == 0 || g.in_w == 0 || cin == 0) return Status::Ok();

  if (g.stride_h == 1 && g.stride_w == 1) {
    // dx = depthwise conv of dy with the spatially flipped filter (padding (k - 1) * d - pad, possibly negative),
    // then a sum over each input channel's multiplier outputs.
    AlignedFloats flipped(kh * kw * channels);
    if (!flipped.ok()) return Status(StatusCode::kNativeFailure, "depthwiseConv2dBackpropInput: out of memory");
    for (int64_t t = 0; t < kh * kw; ++t) {
      const int64_t source = kh * kw - 1 - t;
      std::copy(p.filter + source * channels, p.filter + (source + 1) * channels, flipped.data() + t * channels);
    }
    DwTiles d;
    d.src = p.dy;
    d.batch = g.batch;
    d.src_h = g.out_h;
    d.src_w = g.out_w;
    d.src_c = channels;
    d.reduce = mult;
    d.pad_top = (kh - 1) * g.dilation_h - g.pad_top;
    d.pad_left = (kw - 1) * g.dilation_w - g.pad_left;
    d.out_h = g.in_h;
    d.out_w = g.in_w;
    d.kernel_h = kh;
    d.kernel_w = kw;
    d.dilation_h = g.dilation_h;
    d.dilation_w = g.dilation_w;
    d.w = flipped.data();
    d.out = p.out;
    return RunDwTiles("depthwiseConv2dBackpropInput", d);
  }

  // Strided: gather, for every dx pixel, the dy pixels whose window covers it. The contributing taps are listed
  // once per pixel; channels then go in blocks of kBlock held in a local accumulator (registers).
  const int64_t rows_per_task = RowsPerTask(rows, g.in_w * channels * kh * kw);
  std::atomic<bool> failed{false};
  ParallelFor(CeilDiv(rows, rows_per_task), [&](int64_t task) {
    // Per tap: the dy pixel and the filter tap, as offsets (2 * kh * kw entries).
    float* storage = ThreadScratch(ScratchSlot::kWork1, static_cast<size_t>(kh * kw * 4));
    if (storage == nullptr) {
      failed = true;
      return;
    }
    int64_t* taps = reinterpret_cast<int64_t*>(storage);
    const int64_t r_end = std::min(rows, (task + 1) * rows_per_task);
    for (int64_t r = task * rows_per_task; r < r_end; ++r) {
      const int64_t n = r / g.in_h;
      const int64_t ih = r % g.in_h;
      for (int64_t iw = 0; iw < g.in_w; ++iw) {
        int64_t count = 0;
        for (int64_t i = 0; i < kh; ++i) {
          const int64_t num_h = ih + g.pad_top - i * g.dilation_h;
          if (num_h < 0 || num_h % g.stride_h != 0 || num_h / g.stride_h >= g.out_h) continue;
          for (int64_t j = 0; j < kw; ++j) {
            const int64_t num_w = iw + g.pad_left - j * g.dilation_w;
            if (num_w < 0 || num_w % g.stride_w != 0 || num_w / g.stride_w >= g.out_w) continue;
            taps[2 * count] = ((n * g.out_h + num_h / g.stride_h) * g.out_w + num_w / g.stride_w) * channels;
            taps[2 * count + 1] = (i * kw + j) * channels;
            ++count;
          }
        }
        float* dx = p.out + (r * g.in_w + iw) * cin;
        for (int64_t c0 = 0; c0 < cin; c0 += kBlock) {
          const int64_t width = std::min(kBlock, cin - c0);
          if (mult == 1 && width == kBlock) {
            float acc[kBlock] = {};
            for (int64_t t = 0; t < count; ++t) {
              const float* dy = p.dy + taps[2 * t] + c0;
              const float* w = p.filter + taps[2 * t + 1] + c0;
              for (int64_t c = 0; c < kBlock; ++c) acc[c] += dy[c] * w[c];
            }
            for (int64_t c = 0; c < kBlock; ++c) dx[c0 + c] = acc[c];
          } else {
            for (int64_t c = 0; c < width; ++c) {
              float sum = 0.0f;
              for (int64_t t = 0; t < count; ++t) {
                const float* dy = p.dy + taps[2 * t] + (c0 + c) * mult;
                const float* w = p.filter + taps[2 * t + 1] + (c0 + c) * mult;
                for (int64_t m = 0; m < mult; ++m) sum += dy[m] * w[m];
              }
              dx[c0 + c] = sum;
            }
          }
        }
      }
    }
  });
  if (failed) return Status(StatusCode::kNativeFailure, "depthwiseConv2dBackpropInput: out of memory");
  return Status::Ok();
}

Status RunDepthwiseBackpropFilter(const DepthwiseProblem& p) {
  const ConvGeometry& g = p.g;
  const int64_t mult = p.multiplier;
  const int64_t cin = g.in_c;
  const int64_t channels = cin * mult;
  const int64_t kh = g.kernel_h;
  const int64_t kw = g.kernel_w;
  const int64_t filter_size = kh * kw * channels;
  std::fill(p.out, p.out + filter_size, 0.0f);
  const int64_t rows = g.batch * g.out_h;
  if (rows == 0 || g.out_w == 0 || filter_size == 0) return Status::Ok();
  const int64_t chunks = std::min<int64_t>(rows, NumThreads());
  AlignedFloats partial(chunks * filter_size);
  if (!partial.ok()) return Status(StatusCode::kNativeFailure, "depthwiseConv2dBackpropFilter: out of memory");
  ParallelFor(chunks, [&](int64_t chunk) {
    float* dw = partial.data() + chunk * filter_size;
    std::fill(dw, dw + filter_size, 0.0f);
    const int64_t r_begin = rows * chunk / chunks;
    const int64_t r_end = rows * (chunk + 1) / chunks;
    for (int64_t r = r_begin; r < r_end; ++r) {
      const int64_t n = r / g.out_h;
      const int64_t oh = r % g.out_h;
      const float* dy_row = p.dy + r * g.out_w * channels;
      for (int64_t i = 0; i < kh; ++i) {
        const int64_t ih = oh * g.stride_h + i * g.dilation_h - g.pad_top;
        if (ih < 0 || ih >= g.in_h) continue;
        const float* x_row = p.input + (n * g.in_h + ih) * g.in_w * cin;
        for (int64_t j = 0; j < kw; ++j) {
          // Output columns whose tap j lands inside the row: iw = ow * sw + j * dw - pl in [0, in_w).
          const int64_t shift = j * g.dilation_w - g.pad_left;
          const int64_t ow_lo = shift >= 0 ? 0 : CeilDiv(-shift, g.stride_w);
          const int64_t ow_hi = std::min(g.out_w, g.in_w - shift <= 0 ? 0 : CeilDiv(g.in_w - shift, g.stride_w));
          float* w = dw + (i * kw + j) * channels;
          for (int64_t o0 = 0; o0 < channels; o0 += kBlock) {
            const int64_t width = std::min(kBlock, channels - o0);
            // Sum over the row in a local accumulator (registers), then once into the partial.
            if (mult == 1 && width == kBlock) {
              float acc[kBlock] = {};
              const float* x = x_row + (ow_lo * g.stride_w + shift) * cin + o0;
              const float* dy = dy_row + ow_lo * channels + o0;
              for (int64_t ow = ow_lo; ow < ow_hi; ++ow, x += g.stride_w * cin, dy += channels) {
                for (int64_t o = 0; o < kBlock; ++o) acc[o] += x[o] * dy[o];
              }
              for (int64_t o = 0; o < kBlock; ++o) w[o0 + o] += acc[o];
            } else {
              for (int64_t ow = ow_lo; ow < ow_hi; ++ow) {
                const float* x = x_row + (ow * g.stride_w + shift) * cin;
                const float* dy = dy_row + ow * channels + o0;
                for (int64_t o = 0; o < width; ++o) w[o0 + o] += x[(o0 + o) / mult] * dy[o];
              }
            }
          }
        }
      }
    }
  });
  ParallelFor(CeilDiv(filter_size, 4096), [&](int64_t block) {
    const int64_t begin = block * 4096;
    const int64_t end = std::min(filter_size, begin + 4096);
    for (int64_t chunk = 0; chunk < chunks; ++chunk) {
      const float* src = partial.data() + chunk * filter_size;
      for (int64_t i = begin; i < end; ++i) p.out[i] += src[i];
    }
  });
  return Status::Ok();
}

namespace {

Status CheckDepthwise(const char* op, const ConvGeometry& g, int64_t multiplier, const char* filter_arg,
                      int64_t filter_length) {
  AMC_RETURN_IF_ERROR(ValidateConvGeometry(op, g));
  AMC_RETURN_IF_ERROR(CheckRange(op, "multiplier", multiplier, 1, int64_t{1} << 24));
  if (CheckedProduct({g.in_c, multiplier}) < 0) {
    return Status(StatusCode::kInvalidArgument, std::string(op) + ": inChannels * multiplier is too large");
  }
  return CheckLength(op, filter_arg, filter_length, CheckedProduct({g.kernel_h, g.kernel_w, g.in_c, multiplier}));
}

}  // namespace
}  // namespace conv

Status DepthwiseConv2D(const DepthwiseConv2DArgs& a) {
  const char* op = "depthwiseConv2d";
  const ConvGeometry& g = a.geometry;
  AMC_RETURN_IF_ERROR(conv::CheckDepthwise(op, g, a.multiplier, "filter", a.filter_length));
  const int64_t channels = g.in_c * a.multiplier;
  AMC_RETURN_IF_ERROR(conv::CheckLength(op, "input", a.input_length, conv::CheckedProduct({g.batch, g.in_h, g.in_w, g.in_c})));
  AMC_RETURN_IF_ERROR(conv::CheckOptionalLength(op, "bias", a.bias, a.bias_length, channels));
  AMC_RETURN_IF_ERROR(
      conv::CheckLength(op, "out", a.out_length, conv::CheckedProduct({g.batch, g.out_h, g.out_w, channels})));
  conv::DepthwiseProblem p;
  p.g = g;
  p.multiplier = a.multiplier;
  p.input = a.input;
  p.filter = a.filter;
  p.bias = a.bias;
  p.out = a.out;
  p.activation = a.activation;
  return conv::RunDepthwiseForward(p);
}

Status DepthwiseConv2DBackpropInput(const DepthwiseBackpropInputArgs& a) {
  const char* op = "depthwiseConv2dBackpropInput";
  const ConvGeometry& g = a.geometry;
  AMC_RETURN_IF_ERROR(conv::CheckDepthwise(op, g, a.multiplier, "filter", a.filter_length));
  const int64_t channels = g.in_c * a.multiplier;
  AMC_RETURN_IF_ERROR(
      conv::CheckLength(op, "dy", a.dy_length, conv::CheckedProduct({g.batch, g.out_h, g.out_w, channels})));
  AMC_RETURN_IF_ERROR(conv::CheckLength(op, "dx", a.dx_length, conv::CheckedProduct({g.batch, g.in_h, g.in_w, g.in_c})));
  conv::DepthwiseProblem p;
  p.g = g;
  p.multiplier = a.multiplier;
  p.filter = a.filter;
  p.dy = a.dy;
  p.out = a.dx;
  return conv::RunDepthwiseBackpropInput(p);
}

Status DepthwiseConv2DBackpropFilter(const DepthwiseBackpropFilterArgs& a) {
  const char* op = "depthwiseConv2dBackpropFilter";
  const ConvGeometry& g = a.geometry;
  AMC_RETURN_IF_ERROR(conv::CheckDepthwise(op, g, a.multiplier, "dw", a.dw_length));
  const int64_t channels = g.in_c * a.multiplier;
  AMC_RETURN_IF_ERROR(conv::CheckLength(op, "input", a.input_length, conv::CheckedProduct({g.batch, g.in_h, g.in_w, g.in_c})));
  AMC_RETURN_IF_ERROR(
      conv::CheckLength(op, "dy", a.dy_length, conv::CheckedProduct({g.batch, g.out_h, g.out_w, channels})));
  conv::DepthwiseProblem p;
  p.g = g;
  p.multiplier = a.multiplier;
  p.input = a.input;
  p.dy = a.dy;
  p.out = a.dw;
  return conv::RunDepthwiseBackpropFilter(p);
}

}  // namespace amc
