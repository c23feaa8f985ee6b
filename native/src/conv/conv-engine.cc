#include "conv/conv-engine.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "amc/scratch.h"
#include "amc/thread-pool.h"
#include "conv/f32-igemm-list.h"

namespace amc {

#define AMC_DECLARE_IGEMM(isa, mr, nr, kpair, fn, eff)                                                   \
  void fn(int64_t ks, int64_t kc, const float* const* a, const int64_t* tap_offsets, const float* w, \
          float* const* c, int m, int n, const IgemmParams& params);
AMC_F32_IGEMM_UKERNELS(AMC_DECLARE_IGEMM)
#undef AMC_DECLARE_IGEMM

namespace {

#define AMC_IGEMM_ENTRY(isa, mr, nr, kpair, fn, eff) {Isa::isa, mr, nr, kpair, #fn, fn, eff},
const IgemmUkernel kIgemmUkernels[] = {AMC_F32_IGEMM_UKERNELS(AMC_IGEMM_ENTRY)};
#undef AMC_IGEMM_ENTRY
constexpr int kIgemmUkernelCount = sizeof(kIgemmUkernels) / sizeof(kIgemmUkernels[0]);
constexpr int kMaxMr = 32;
constexpr int kMaxNr = 64;

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

const IgemmUkernel* IgemmUkernels(int* count) {
  *count = kIgemmUkernelCount;
  return kIgemmUkernels;
}

const IgemmUkernel& SelectIgemmUkernel(int64_t n) {
  const Isa cap = IsaCap();
  int best_isa = -1;
  for (const auto& uk : kIgemmUkernels) {
    if (static_cast<int>(uk.isa) <= static_cast<int>(cap) && IsaSupported(uk.isa)) {
      best_isa = std::max(best_isa, static_cast<int>(uk.isa));
    }
  }
  const IgemmUkernel* best = nullptr;
  double best_cost = std::numeric_limits<double>::max();
  for (const auto& uk : kIgemmUkernels) {
    if (static_cast<int>(uk.isa) != best_isa) continue;
    const double cost = static_cast<double>(CeilDiv(std::max<int64_t>(n, 1), uk.nr) * uk.nr) / uk.efficiency;
    if (cost < best_cost) {
      best = &uk;
      best_cost = cost;
    }
  }
  return best != nullptr ? *best : kIgemmUkernels[0];
}

namespace conv {

AlignedFloats::AlignedFloats(int64_t count) : count_(count) {
  if (count > 0) {
    const size_t bytes = (static_cast<size_t>(count) * sizeof(float) + 63) / 64 * 64;
    data_ = static_cast<float*>(std::aligned_alloc(64, bytes));
  }
}

AlignedFloats::~AlignedFloats() { std::free(data_); }

namespace {

struct Panel {
  int64_t col0;
  int ncols;
  const IgemmUkernel* uk;
  int64_t kc;      // channels per tap the microkernel consumes (rounded up to even for k-pair variants)
  int64_t offset;  // of this panel's packed weights
  int64_t run = 1;                    // consecutive taps fused into one (see RunConvEngine)
  std::vector<int64_t> tap_offsets;   // of the fused taps
};

inline int64_t SourceColumn(const WeightSource& s, int64_t j) {
  return s.j_index != nullptr ? s.j_index[j] : j + s.j_offset;
}
inline int64_t SourceRow(const WeightSource& s, int64_t k) {
  return s.k_index != nullptr ? s.k_index[k] : k + s.k_offset;
}

// Packs one panel: nr bias values, then [t][k][j] (or [t][k / 2][j][2] for k-pair variants), zero-padded.
void PackPanel(const WeightSource& s, int64_t ks, int64_t kc, const Panel& panel, float* dst) {
  const int nr = panel.uk->nr;
  int64_t col_offset[kMaxNr];
  for (int j = 0; j < panel.ncols; ++j) col_offset[j] = SourceColumn(s, panel.col0 + j) * s.j_stride;
  for (int j = 0; j < nr; ++j) {
    dst[j] = (j < panel.ncols && s.bias != nullptr) ? s.bias[SourceColumn(s, panel.col0 + j)] : 0.0f;
  }
  float* w = dst + nr;
  const bool pair = panel.uk->kpair;
  for (int64_t t = 0; t < ks; ++t) {
    const float* tap = s.base + s.tap_index[t] * s.tap_stride;
    for (int64_t k = 0; k < panel.kc; ++k) {
      const float* row = k < kc ? tap + SourceRow(s, k) * s.k_stride : nullptr;
      float* out = pair ? w + (k >> 1) * nr * 2 + (k & 1) : w + k * nr;
      const int64_t step = pair ? 2 : 1;
      for (int j = 0; j < nr; ++j) out[j * step] = (row != nullptr && j < panel.ncols) ? row[col_offset[j]] : 0.0f;
    }
    w += panel.kc * nr;
  }
}

void FillBiasOnly(const ConvEngineProblem& p, const IgemmParams& params) {
  ParallelFor(p.batch * p.grid_h, [&](int64_t row) {
    const int64_t n = row / p.grid_h;
    const int64_t y = row % p.grid_h;
    for (int64_t x = 0; x < p.grid_w; ++x) {
      float* c = p.out + ((n * p.out_h + y * p.out_ystep + p.out_y0) * p.out_w + x * p.out_xstep + p.out_x0) *
                             p.out_pixel_stride +
                 p.out_col0;
      for (int64_t j = 0; j < p.n; ++j) {
        float v = p.weights.bias != nullptr ? p.weights.bias[SourceColumn(p.weights, j)] : 0.0f;
        if (params.clamp) v = std::min(std::max(v, params.lo), params.hi);
        c[j] = v;
      }
    }
  });
}

// Copies the kc used channels of `count` consecutive source pixels into band pixels of cc channels (zero past
// kc). Gathered channels go eight at a time with their indices held in registers for the whole run of pixels:
// a load and a store per element, instead of also reloading the index and the loop bounds.
void CopyPixels(const ConvEngineProblem& p, const float* src, float* dst, int64_t cc, int64_t count) {
  const int64_t kc = p.kc;
  const int64_t src_c = p.src_c;
  if (p.chan_index == nullptr) {
    const float* s = src + p.chan_offset;
    for (int64_t i = 0; i < count; ++i) {
      for (int64_t k = 0; k < kc; ++k) dst[i * cc + k] = s[i * src_c + k];
    }
  } else {
    const int32_t* index = p.chan_index;
    int64_t k0 = 0;
    for (; k0 + 8 <= kc; k0 += 8) {
      const int64_t i0 = index[k0], i1 = index[k0 + 1], i2 = index[k0 + 2], i3 = index[k0 + 3];
      const int64_t i4 = index[k0 + 4], i5 = index[k0 + 5], i6 = index[k0 + 6], i7 = index[k0 + 7];
      const float* s = src;
      float* d = dst + k0;
      for (int64_t i = 0; i < count; ++i, s += src_c, d += cc) {
        d[0] = s[i0];
        d[1] = s[i1];
        d[2] = s[i2];
        d[3] = s[i3];
        d[4] = s[i4];
        d[5] = s[i5];
        d[6] = s[i6];
        d[7] = s[i7];
      }
    }
    for (; k0 < kc; ++k0) {
      const int64_t i0 = index[k0];
      for (int64_t i = 0; i < count; ++i) dst[i * cc + k0] = src[i * src_c + i0];
    }
  }
  for (int64_t k = kc; k < cc; ++k) {
    for (int64_t i = 0; i < count; ++i) dst[i * cc + k] = 0.0f;
  }
}

}  // namespace

ConvSource::ConvSource(const ConvEngineProblem& p, bool force_copy, int64_t band_channels) : p_(p) {
  min_dy_ = min_dx_ = std::numeric_limits<int64_t>::max();
  int64_t max_dy = std::numeric_limits<int64_t>::min(), max_dx = max_dy;
  for (int64_t t = 0; t < p.ks; ++t) {
    min_dy_ = std::min(min_dy_, p.tap_dy[t]);
    max_dy = std::max(max_dy, p.tap_dy[t]);
    min_dx_ = std::min(min_dx_, p.tap_dx[t]);
    max_dx = std::max(max_dx, p.tap_dx[t]);
  }
  if (p.ks == 0) min_dy_ = min_dx_ = max_dy = max_dx = 0;
  const bool in_range = min_dy_ - p.pad_top >= 0 && (p.grid_h - 1) * p.ystep + max_dy - p.pad_top < p.src_h &&
                        min_dx_ - p.pad_left >= 0 && (p.grid_w - 1) * p.xstep + max_dx - p.pad_left < p.src_w;
  cc_ = std::max(band_channels, p.kc);
  copy_ = force_copy || !in_range || p.chan_index != nullptr || cc_ != p.kc;
  span_y_ = max_dy - min_dy_;
  bw_ = (p.grid_w - 1) * p.xstep + (max_dx - min_dx_) + 1;
  tap_offsets_.resize(static_cast<size_t>(p.ks));
  for (int64_t t = 0; t < p.ks; ++t) {
    tap_offsets_[t] = copy_ ? ((p.tap_dy[t] - min_dy_) * bw_ + (p.tap_dx[t] - min_dx_)) * cc_
                            : ((p.tap_dy[t] - min_dy_) * p.src_w + (p.tap_dx[t] - min_dx_)) * p.src_c;
  }
  // Chunks of grid rows: enough for every thread, small enough that a chunk's source data stays in L2.
  constexpr int64_t kBandBudgetFloats = 24 * 1024;
  rows_ = p.batch * p.grid_h;
  const int64_t row_floats = std::max<int64_t>(1, p.ystep * (copy_ ? bw_ * cc_ : p.src_w * p.src_c));
  const int64_t rows_budget = std::max<int64_t>(1, kBandBudgetFloats / row_floats);
  rows_per_chunk_ = std::max<int64_t>(1, std::min(rows_budget, CeilDiv(std::max<int64_t>(rows_, 1), NumThreads())));
  chunks_ = CeilDiv(rows_, rows_per_chunk_);
}

int64_t ConvSource::Prepare(int64_t chunk, int pad, const float*** a_rows_out, float*** c_rows_out) const {
  const ConvEngineProblem& p = p_;
  const int64_t r0 = chunk * rows_per_chunk_;
  const int64_t r1 = std::min(rows_, r0 + rows_per_chunk_);
  const int64_t pixels = (r1 - r0) * p.grid_w;
  const int64_t slots = pixels + pad;
  float* pointer_storage = ThreadScratch(ScratchSlot::kWork1, static_cast<size_t>(slots) * 4);
  if (pointer_storage == nullptr) return -1;
  const float** a_rows = reinterpret_cast<const float**>(pointer_storage);
  float** c_rows = c_rows_out != nullptr ? reinterpret_cast<float**>(pointer_storage + 2 * slots) : nullptr;

  float* band = nullptr;
  if (copy_) {
    int64_t band_floats = 0;
    for (int64_t r = r0; r < r1;) {
      const int64_t ya = r % p.grid_h;
      const int64_t yb = std::min(p.grid_h, ya + (r1 - r));
      band_floats += ((yb - 1 - ya) * p.ystep + span_y_ + 1) * bw_ * cc_;
      r += yb - ya;
    }
    band = ThreadScratch(ScratchSlot::kWork0, static_cast<size_t>(band_floats));
    if (band == nullptr) return -1;
  }

  const int64_t cc = cc_;
  const int64_t bw = bw_;
  int64_t index = 0;
  float* segment = band;
  for (int64_t r = r0; r < r1;) {
    const int64_t n = r / p.grid_h;
    const int64_t ya = r % p.grid_h;
    const int64_t yb = std::min(p.grid_h, ya + (r1 - r));
    const int64_t band_rows = (yb - 1 - ya) * p.ystep + span_y_ + 1;
    if (copy_) {
      const int64_t sx0 = min_dx_ - p.pad_left;
      // Band columns [bx_lo, bx_hi) map inside the source; the rest are zero.
      const int64_t bx_lo = std::min(bw, std::max<int64_t>(0, -sx0));
      const int64_t bx_hi = std::max(bx_lo, std::min(bw, p.src_w - sx0));
      for (int64_t b = 0; b < band_rows; ++b) {
        const int64_t sy = ya * p.ystep + min_dy_ - p.pad_top + b;
        float* dst = segment + b * bw * cc;
        if (sy < 0 || sy >= p.src_h) {
          std::memset(dst, 0, static_cast<size_t>(bw * cc) * sizeof(float));
          continue;
        }
        std::memset(dst, 0, static_cast<size_t>(bx_lo * cc) * sizeof(float));
        if (bx_hi > bx_lo) {
          // The source pixel of band column bx_lo (only formed when the row has one inside the source).
          const float* src_first = p.src + ((n * p.src_h + sy) * p.src_w + sx0 + bx_lo) * p.src_c;
          if (p.chan_index == nullptr && cc == p.src_c && p.chan_offset == 0) {
            std::memcpy(dst + bx_lo * cc, src_first, static_cast<size_t>((bx_hi - bx_lo) * cc) * sizeof(float));
          } else {
            CopyPixels(p, src_first, dst + bx_lo * cc, cc, bx_hi - bx_lo);
          }
        }
        std::memset(dst + bx_hi * cc, 0, static_cast<size_t>((bw - bx_hi) * cc) * sizeof(float));
      }
    }
    for (int64_t y = ya; y < yb; ++y) {
      const float* a_base =
          copy_ ? segment + (y - ya) * p.ystep * bw * cc
                : p.src + ((n * p.src_h + y * p.ystep + min_dy_ - p.pad_top) * p.src_w + min_dx_ - p.pad_left) * p.src_c +
                      p.chan_offset;
      const int64_t a_step = (copy_ ? cc : p.src_c) * p.xstep;
      for (int64_t x = 0; x < p.grid_w; ++x) a_rows[index + x] = a_base + x * a_step;
      if (c_rows != nullptr) {
        float* c_base =
            p.out + ((n * p.out_h + y * p.out_ystep + p.out_y0) * p.out_w + p.out_x0) * p.out_pixel_stride + p.out_col0;
        const int64_t c_step = p.out_xstep * p.out_pixel_stride;
        for (int64_t x = 0; x < p.grid_w; ++x) c_rows[index + x] = c_base + x * c_step;
      }
      index += p.grid_w;
    }
    if (copy_) segment += band_rows * bw * cc;
    r += yb - ya;
  }
  for (int64_t i = pixels; i < slots; ++i) {
    a_rows[i] = a_rows[pixels - 1];
    if (c_rows != nullptr) c_rows[i] = c_rows[pixels - 1];
  }
  *a_rows_out = a_rows;
  if (c_rows_out != nullptr) *c_rows_out = c_rows;
  return pixels;
}

Status RunConvEngine(const ConvEngineProblem& p) {
  if (p.batch * p.grid_h * p.grid_w == 0 || p.n == 0) return Status::Ok();
  IgemmParams params;
  SetActivation(p.activation, &params.clamp, &params.lo, &params.hi);
  if (p.ks == 0 || p.kc == 0) {
    FillBiasOnly(p, params);
    return Status::Ok();
  }

  // Column panels, each with the variant that suits the columns left; k-pair variants read an even channel
  // count, which the band provides (a zero channel) when the source has an odd one.
  std::vector<Panel> panels;
  bool any_pair = false;
  int mr_max = 1;
  int64_t packed_size = 0;
  const int64_t kc_even = p.kc + (p.kc & 1);
  for (int64_t col = 0; col < p.n;) {
    const IgemmUkernel& uk = SelectIgemmUkernel(p.n - col);
    Panel panel;
    panel.col0 = col;
    panel.ncols = static_cast<int>(std::min<int64_t>(uk.nr, p.n - col));
    panel.uk = &uk;
    panel.kc = uk.kpair ? kc_even : p.kc;
    panel.offset = packed_size;
    packed_size += uk.nr + p.ks * panel.kc * uk.nr;
    any_pair = any_pair || uk.kpair;
    mr_max = std::max(mr_max, uk.mr);
    panels.push_back(panel);
    col += panel.ncols;
  }
  const ConvSource source(p, false, any_pair ? kc_even : p.kc);

  AlignedFloats packed(packed_size);
  if (!packed.ok()) return Status(StatusCode::kNativeFailure, "conv: out of memory packing the weights");
  ParallelFor(static_cast<int64_t>(panels.size()), [&](int64_t i) {
    PackPanel(p.weights, p.ks, p.kc, panels[i], packed.data() + panels[i].offset);
  });

  // Taps that are consecutive pixels (a kernel row at dilation 1) read one contiguous run of channels when the
  // pixel stride equals the panel's channel count: run them as one tap of run * kc channels. The packed weights
  // ([t][k][j], or [t][k / 2][j][2] with kc even) already have exactly that layout.
  const std::vector<int64_t>& offsets = source.tap_offsets();
  for (Panel& panel : panels) {
    int64_t run = p.ks;
    for (; run > 1; --run) {
      if (p.ks % run != 0) continue;
      bool contiguous = true;
      for (int64_t t = 0; t < p.ks && contiguous; ++t) {
        contiguous = offsets[t] == offsets[t - t % run] + (t % run) * panel.kc;
      }
      if (contiguous) break;
    }
    panel.run = run;
    panel.tap_offsets.clear();
    for (int64_t t = 0; t < p.ks; t += run) panel.tap_offsets.push_back(offsets[t]);
  }
  std::atomic<bool> failed{false};
  ParallelFor(source.chunks(), [&](int64_t chunk) {
    const float** a_rows = nullptr;
    float** c_rows = nullptr;
    const int64_t pixels = source.Prepare(chunk, mr_max, &a_rows, &c_rows);
    if (pixels < 0) {
      failed = true;
      return;
    }
    float* tile_c[kMaxMr];
    for (const Panel& panel : panels) {
      const IgemmUkernel& uk = *panel.uk;
      const float* w = packed.data() + panel.offset;
      for (int64_t p0 = 0; p0 < pixels; p0 += uk.mr) {
        float* const* c = c_rows + p0;
        if (panel.col0 != 0) {
          for (int r = 0; r < uk.mr; ++r) tile_c[r] = c_rows[p0 + r] + panel.col0;
          c = tile_c;
        }
        uk.fn(p.ks / panel.run, panel.kc * panel.run, a_rows + p0, panel.tap_offsets.data(), w, c,
              static_cast<int>(std::min<int64_t>(uk.mr, pixels - p0)), panel.ncols, params);
      }
    }
  });
  if (failed) return Status(StatusCode::kNativeFailure, "conv: out of memory for the input band");
  return Status::Ok();
}

}  // namespace conv
}  // namespace amc
