// Gradients of conv2d (dense and grouped).
//
// Input gradient: dx[ih, iw, ci] = sum over taps (kh, kw) and co of dy[oh, ow, co] * W[kh, kw, ci, co] where
// ih = oh * sh + kh * dh - pt. Split dx pixels into sh x sw phase classes (ih = ph + sh * i): within a class the
// taps that contribute are fixed ((ph + pt - kh * dh) divisible by sh) and i -> oh is a unit-stride shift, so
// each class is a forward indirect GEMM over dy with the transposed filter and strided output rows. No col2im
// scatter, no races, no multiplies by inserted zeros; a stride-1 conv is one class.
//
// Filter gradient: dW[tap][ci][co] = sum over output pixels p of x(p, tap)[ci] * dy[p][co]. A GEMM with K =
// pixels in which neither operand is packed: the input side comes through the forward engine's per-pixel row
// pointers into a zero-padded band (so every tap is a fixed offset), dy rows are read in place, and a wgrad
// microkernel keeps an (input channels x output channels) tile of one tap in registers across a whole chunk of
// pixels. Each thread accumulates its chunks into its own partial dW; the partials are summed at the end.
#include <xmmintrin.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>
#include <vector>

#include "amc/conv.h"
#include "amc/thread-pool.h"
#include "conv/conv-engine.h"
#include "conv/conv-validate.h"
#include "conv/depthwise.h"
#include "amc/scratch.h"
#include "conv/f32-wgrad-list.h"

namespace amc {

#define AMC_DECLARE_WGRAD(isa, mr, nr, fn, eff)                                                                \
  void fn(int64_t kc, const float* const* a, int64_t a_offset, const float* b, int64_t b_stride, float* c, \
          int64_t ldc, int m, int n);
AMC_F32_WGRAD_UKERNELS(AMC_DECLARE_WGRAD)
#undef AMC_DECLARE_WGRAD

namespace {

#define AMC_WGRAD_ENTRY(isa, mr, nr, fn, eff) {Isa::isa, mr, nr, #fn, fn, eff},
const WgradUkernel kWgradUkernels[] = {AMC_F32_WGRAD_UKERNELS(AMC_WGRAD_ENTRY)};
#undef AMC_WGRAD_ENTRY
constexpr int kWgradUkernelCount = sizeof(kWgradUkernels) / sizeof(kWgradUkernels[0]);

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

Status CheckDense(const char* op, const ConvGeometry& g, int64_t out_channels, int64_t groups) {
  AMC_RETURN_IF_ERROR(ValidateConvGeometry(op, g));
  AMC_RETURN_IF_ERROR(conv::CheckRange(op, "outChannels", out_channels, 0, int64_t{1} << 24));
  AMC_RETURN_IF_ERROR(conv::CheckRange(op, "groups", groups, 1, int64_t{1} << 24));
  if (g.in_c % groups != 0 || out_channels % groups != 0) {
    return ArgError(StatusCode::kInvalidArgument, op, "groups", "a divisor of inChannels and outChannels",
                    std::to_string(groups));
  }
  return Status::Ok();
}

}  // namespace

const WgradUkernel* WgradUkernels(int* count) {
  *count = kWgradUkernelCount;
  return kWgradUkernels;
}

const WgradUkernel& SelectWgradUkernel(int64_t m, int64_t n) {
  const Isa cap = IsaCap();
  int best_isa = -1;
  for (const auto& uk : kWgradUkernels) {
    if (static_cast<int>(uk.isa) <= static_cast<int>(cap) && IsaSupported(uk.isa)) {
      best_isa = std::max(best_isa, static_cast<int>(uk.isa));
    }
  }
  const WgradUkernel* best = &kWgradUkernels[0];
  double best_cost = 1e300;
  for (const auto& uk : kWgradUkernels) {
    if (static_cast<int>(uk.isa) != best_isa) continue;
    const double cost = static_cast<double>(CeilDiv(std::max<int64_t>(m, 1), uk.mr) * uk.mr) *
                        static_cast<double>(CeilDiv(std::max<int64_t>(n, 1), uk.nr) * uk.nr) / uk.efficiency;
    if (cost < best_cost) {
      best = &uk;
      best_cost = cost;
    }
  }
  return *best;
}

Status Conv2DBackpropInput(const Conv2DBackpropInputArgs& a) {
  const char* op = "conv2dBackpropInput";
  const ConvGeometry& g = a.geometry;
  AMC_RETURN_IF_ERROR(CheckDense(op, g, a.out_channels, a.groups));
  const int64_t cin_g = g.in_c / a.groups;
  const int64_t cout_g = a.out_channels / a.groups;
  AMC_RETURN_IF_ERROR(
      conv::CheckLength(op, "dy", a.dy_length, conv::CheckedProduct({g.batch, g.out_h, g.out_w, a.out_channels})));
  AMC_RETURN_IF_ERROR(conv::CheckLength(op, "filter", a.filter_length,
                                        conv::CheckedProduct({g.kernel_h, g.kernel_w, cin_g, a.out_channels})));
  AMC_RETURN_IF_ERROR(conv::CheckLength(op, "dx", a.dx_length, conv::CheckedProduct({g.batch, g.in_h, g.in_w, g.in_c})));
  if (a.dx_length == 0) return Status::Ok();

  if (a.groups > 1 && cin_g == 1 && cout_g >= 1) {
    conv::DepthwiseProblem d;
    d.g = g;
    d.multiplier = cout_g;
    d.filter = a.filter;
    d.dy = a.dy;
    d.out = a.dx;
    return conv::RunDepthwiseBackpropInput(d);
  }

  if (cout_g == 0) {
    // No output channels: nothing flows back.
    std::fill(a.dx, a.dx + a.dx_length, 0.0f);
    return Status::Ok();
  }

  for (int64_t ph = 0; ph < g.stride_h; ++ph) {
    for (int64_t pw = 0; pw < g.stride_w; ++pw) {
      const int64_t grid_h = ph < g.in_h ? CeilDiv(g.in_h - ph, g.stride_h) : 0;
      const int64_t grid_w = pw < g.in_w ? CeilDiv(g.in_w - pw, g.stride_w) : 0;
      if (grid_h == 0 || grid_w == 0) continue;
      // Taps whose window reaches this class: oh = i + (ph + pt - kh * dh) / sh when that division is exact.
      std::vector<int64_t> tap_index, tap_dy, tap_dx;
      for (int64_t kh = 0; kh < g.kernel_h; ++kh) {
        const int64_t num_h = ph + g.pad_top - kh * g.dilation_h;
        if (num_h % g.stride_h != 0) continue;
        for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
          const int64_t num_w = pw + g.pad_left - kw * g.dilation_w;
          if (num_w % g.stride_w != 0) continue;
          tap_index.push_back(kh * g.kernel_w + kw);
          tap_dy.push_back(num_h / g.stride_h);
          tap_dx.push_back(num_w / g.stride_w);
        }
      }
      for (int64_t group = 0; group < a.groups; ++group) {
        conv::ConvEngineProblem p;
        p.src = a.dy;
        p.batch = g.batch;
        p.src_h = g.out_h;
        p.src_w = g.out_w;
        p.src_c = a.out_channels;
        p.kc = cout_g;
        p.chan_offset = group * cout_g;
        p.ks = static_cast<int64_t>(tap_index.size());
        p.tap_dy = tap_dy.data();
        p.tap_dx = tap_dx.data();
        p.grid_h = grid_h;
        p.grid_w = grid_w;
        p.out = a.dx;
        p.out_h = g.in_h;
        p.out_w = g.in_w;
        p.out_ystep = g.stride_h;
        p.out_xstep = g.stride_w;
        p.out_y0 = ph;
        p.out_x0 = pw;
        p.out_pixel_stride = g.in_c;
        p.out_col0 = group * cin_g;
        p.n = cin_g;
        p.weights.base = a.filter;
        p.weights.tap_index = tap_index.data();
        p.weights.tap_stride = cin_g * a.out_channels;
        p.weights.k_offset = group * cout_g;
        p.weights.k_stride = 1;
        p.weights.j_stride = a.out_channels;
        AMC_RETURN_IF_ERROR(conv::RunConvEngine(p));
      }
    }
  }
  return Status::Ok();
}

Status Conv2DBackpropFilter(const Conv2DBackpropFilterArgs& a) {
  const char* op = "conv2dBackpropFilter";
  const ConvGeometry& g = a.geometry;
  AMC_RETURN_IF_ERROR(CheckDense(op, g, a.out_channels, a.groups));
  const int64_t cin_g = g.in_c / a.groups;
  const int64_t cout_g = a.out_channels / a.groups;
  AMC_RETURN_IF_ERROR(conv::CheckLength(op, "input", a.input_length, conv::CheckedProduct({g.batch, g.in_h, g.in_w, g.in_c})));
  AMC_RETURN_IF_ERROR(
      conv::CheckLength(op, "dy", a.dy_length, conv::CheckedProduct({g.batch, g.out_h, g.out_w, a.out_channels})));
  AMC_RETURN_IF_ERROR(
      conv::CheckLength(op, "dw", a.dw_length, conv::CheckedProduct({g.kernel_h, g.kernel_w, cin_g, a.out_channels})));
  if (a.dw_length == 0) return Status::Ok();

  if (a.groups > 1 && cin_g == 1 && cout_g >= 1) {
    conv::DepthwiseProblem d;
    d.g = g;
    d.multiplier = cout_g;
    d.input = a.input;
    d.dy = a.dy;
    d.out = a.dw;
    return conv::RunDepthwiseBackpropFilter(d);
  }

  const int64_t pixels = g.batch * g.out_h * g.out_w;
  std::fill(a.dw, a.dw + a.dw_length, 0.0f);
  if (pixels == 0) return Status::Ok();
  const int64_t ks = g.kernel_h * g.kernel_w;
  const WgradUkernel& uk = SelectWgradUkernel(cin_g, cout_g);
  std::vector<int64_t> tap_index, tap_dy, tap_dx;
  conv::KernelTaps(g, &tap_index, &tap_dy, &tap_dx);

  // One partial dW per task; each task takes a contiguous range of chunks.
  const int64_t tasks = std::max<int64_t>(1, std::min<int64_t>(NumThreads(), CeilDiv(pixels, 1024)));
  conv::AlignedFloats partial(tasks * a.dw_length);
  if (!partial.ok()) return Status(StatusCode::kNativeFailure, "conv2dBackpropFilter: out of memory");
  std::fill(partial.data(), partial.data() + tasks * a.dw_length, 0.0f);
  std::atomic<bool> failed{false};
  // Runs of kRun pixels: their band rows and dy rows stay in L1 across every tap and channel block, unless dy's
  // row stride is a multiple of 1 KiB (out channels a multiple of 256): the run's rows then fall into at most 4
  // of the 64 L1 sets and evict each other on every tap and channel block. Such layers copy each nr-column
  // slice of dy into a contiguous buffer once per run (MobileNet-V2's 320 -> 1280 head: 49-59 -> 57-74 GFLOP/s
  // on one Zen 3 core; narrower strides measured no gain, and small-input-channel layers lose).
  constexpr int64_t kRun = 128;
  const bool pack_dy = a.out_channels > uk.nr && a.out_channels % 256 == 0;
  for (int64_t group = 0; group < a.groups; ++group) {
    conv::ConvEngineProblem p = conv::ForwardProblem(g, a.input, tap_dy, tap_dx);
    p.kc = cin_g;
    p.chan_offset = group * cin_g;
    // The band holds the group's channels padded to a multiple of mr, so a tile's rows are always readable.
    const conv::ConvSource source(p, true, CeilDiv(cin_g, uk.mr) * uk.mr);
    const int64_t* tap_offsets = source.tap_offsets().data();
    ParallelFor(tasks, [&](int64_t task) {
      float* dw = partial.data() + task * a.dw_length;
      float* dy_slice = pack_dy ? ThreadScratch(ScratchSlot::kPackB, static_cast<size_t>(kRun * uk.nr)) : nullptr;
      if (pack_dy && dy_slice == nullptr) {
        failed = true;
        return;
      }
      const int64_t chunk_end = source.chunks() * (task + 1) / tasks;
      for (int64_t chunk = source.chunks() * task / tasks; chunk < chunk_end; ++chunk) {
        const float** a_rows = nullptr;
        const int64_t count = source.Prepare(chunk, 0, &a_rows, nullptr);
        if (count < 0) {
          failed = true;
          return;
        }
        const float* dy_chunk = a.dy + source.first_pixel(chunk) * a.out_channels + group * cout_g;
        for (int64_t k0 = 0; k0 < count; k0 += kRun) {
          const int64_t run = std::min(kRun, count - k0);
          const float* dy = dy_chunk + k0 * a.out_channels;
          for (int64_t co0 = 0; co0 < cout_g; co0 += uk.nr) {
            const float* b = dy + co0;
            int64_t b_stride = a.out_channels;
            if (pack_dy) {
              // This run's nr-column slice of dy, contiguous: rows a.out_channels floats apart would share a few
              // L1 sets (a multiple of 1 KiB apart) and miss on every tap and channel block.
              const int64_t cols = std::min<int64_t>(uk.nr, cout_g - co0);
              for (int64_t i = 0; i < run; ++i) {
                const float* src = dy + i * a.out_channels + co0;
                float* dst = dy_slice + i * uk.nr;
                int64_t j = 0;
                for (; j + 4 <= cols; j += 4) _mm_storeu_ps(dst + j, _mm_loadu_ps(src + j));
                for (; j < cols; ++j) dst[j] = src[j];
                for (; j < uk.nr; ++j) dst[j] = 0.0f;
              }
              b = dy_slice;
              b_stride = uk.nr;
            }
            for (int64_t t = 0; t < ks; ++t) {
              for (int64_t ci0 = 0; ci0 < cin_g; ci0 += uk.mr) {
                uk.fn(run, a_rows + k0, tap_offsets[t] + ci0, b, b_stride,
                      dw + (t * cin_g + ci0) * a.out_channels + group * cout_g + co0, a.out_channels,
                      static_cast<int>(std::min<int64_t>(uk.mr, cin_g - ci0)),
                      static_cast<int>(std::min<int64_t>(uk.nr, cout_g - co0)));
              }
            }
          }
        }
      }
    });
    if (failed) return Status(StatusCode::kNativeFailure, "conv2dBackpropFilter: out of memory for the input band");
  }
  const int64_t size = a.dw_length;
  ParallelFor(CeilDiv(size, 4096), [&](int64_t block) {
    const int64_t begin = block * 4096;
    const int64_t end = std::min(size, begin + 4096);
    for (int64_t task = 0; task < tasks; ++task) {
      const float* src = partial.data() + task * size;
      for (int64_t i = begin; i < end; ++i) a.dw[i] += src[i];
    }
  });
  return Status::Ok();
}

}  // namespace amc
