// The GEMM driver (BLIS loop nest), the strided-matrix packers and the public Gemm op.
#include "amc/gemm.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "amc/scratch.h"
#include "amc/thread-pool.h"
#include "gemm/f32-gemm-list.h"

namespace amc {

#define AMC_DECLARE_GEMM(isa, mr, nr, fn, eff) \
  void fn(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int m, int n, const GemmEpilogue& ep);
AMC_F32_GEMM_UKERNELS(AMC_DECLARE_GEMM)
#undef AMC_DECLARE_GEMM

namespace {

#define AMC_GEMM_ENTRY(isa, mr, nr, fn, eff) {Isa::isa, mr, nr, #fn, fn, eff},
const GemmUkernel kGemmUkernels[] = {AMC_F32_GEMM_UKERNELS(AMC_GEMM_ENTRY)};
#undef AMC_GEMM_ENTRY
constexpr int kGemmUkernelCount = sizeof(kGemmUkernels) / sizeof(kGemmUkernels[0]);

// Blocking (measured on Zen 3, 32 KiB L1d, 512 KiB L2 per core): a kc x nr micro-panel of B stays in L1, an
// mc x kc block of A in L2; 128 and 384 for kc, 96 and 336 for mc were no better.
constexpr int kKcMax = 256;
constexpr int64_t kNcMax = 4096;
constexpr int kMcTarget = 168;

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

const GemmUkernel* GemmUkernels(int* count) {
  *count = kGemmUkernelCount;
  return kGemmUkernels;
}

const GemmUkernel& SelectGemmUkernel(int64_t n) {
  // Among the variants of the best ISA allowed, pick the one with the least padded work per unit of speed.
  const Isa cap = IsaCap();
  int best_isa = -1;
  for (const auto& uk : kGemmUkernels) {
    if (static_cast<int>(uk.isa) <= static_cast<int>(cap) && IsaSupported(uk.isa)) {
      best_isa = std::max(best_isa, static_cast<int>(uk.isa));
    }
  }
  const GemmUkernel* best = &kGemmUkernels[0];
  double best_cost = std::numeric_limits<double>::max();
  for (const auto& uk : kGemmUkernels) {
    if (static_cast<int>(uk.isa) != best_isa) continue;
    const double cost = static_cast<double>(CeilDiv(std::max<int64_t>(n, 1), uk.nr) * uk.nr) / uk.efficiency;
    if (cost < best_cost) {
      best = &uk;
      best_cost = cost;
    }
  }
  return *best;
}

void SetActivation(Activation act, bool* clamp, float* lo, float* hi) {
  switch (act) {
    case Activation::kNone:
      *clamp = false;
      *lo = -std::numeric_limits<float>::infinity();
      *hi = std::numeric_limits<float>::infinity();
      break;
    case Activation::kRelu:
      *clamp = true;
      *lo = 0.0f;
      *hi = std::numeric_limits<float>::infinity();
      break;
    case Activation::kRelu6:
      *clamp = true;
      *lo = 0.0f;
      *hi = 6.0f;
      break;
  }
}

void MatrixAPacker::Pack(int64_t m0, int mc, int64_t k0, int kc, int mr, float* dst) const {
  constexpr int kMaxMr = 32;
  for (int p0 = 0; p0 < mc; p0 += mr) {
    const int rows = std::min(mr, mc - p0);
    float* panel = dst + static_cast<int64_t>(p0) * kc;
    if (trans_) {
      // op(A) rows are columns of A: each k reads mr contiguous values.
      for (int k = 0; k < kc; ++k) {
        const float* src = a_ + (k0 + k) * lda_ + m0 + p0;
        float* out = panel + k * mr;
        for (int r = 0; r < rows; ++r) out[r] = alpha_ * src[r];
        for (int r = rows; r < mr; ++r) out[r] = 0.0f;
      }
      continue;
    }
    // Read mr row streams in step and write the panel contiguously.
    const float* src[kMaxMr];
    for (int r = 0; r < mr; ++r) src[r] = a_ + (m0 + p0 + std::min(r, rows - 1)) * lda_ + k0;
    if (rows == mr) {
      for (int k = 0; k < kc; ++k) {
        float* out = panel + k * mr;
        for (int r = 0; r < mr; ++r) out[r] = alpha_ * src[r][k];
      }
    } else {
      for (int k = 0; k < kc; ++k) {
        float* out = panel + k * mr;
        for (int r = 0; r < rows; ++r) out[r] = alpha_ * src[r][k];
        for (int r = rows; r < mr; ++r) out[r] = 0.0f;
      }
    }
  }
}

void MatrixBPacker::Pack(int64_t k0, int kc, int64_t n0, int nc, int nr, float* dst) const {
  for (int q0 = 0; q0 < nc; q0 += nr) {
    const int cols = std::min(nr, nc - q0);
    float* panel = dst + static_cast<int64_t>(q0) * kc;
    if (!trans_) {
      for (int k = 0; k < kc; ++k) {
        const float* src = b_ + (k0 + k) * ldb_ + n0 + q0;
        float* row = panel + k * nr;
        for (int j = 0; j < cols; ++j) row[j] = src[j];
        for (int j = cols; j < nr; ++j) row[j] = 0.0f;
      }
    } else {
      for (int j = 0; j < nr; ++j) {
        if (j >= cols) {
          for (int k = 0; k < kc; ++k) panel[k * nr + j] = 0.0f;
          continue;
        }
        const float* src = b_ + (n0 + q0 + j) * ldb_ + k0;
        for (int k = 0; k < kc; ++k) panel[k * nr + j] = src[k];
      }
    }
  }
}

Status GemmDriver(int64_t m, int64_t n, int64_t k, const APacker& a, const BPacker& b, const GemmOutput& out) {
  if (m <= 0 || n <= 0) return Status::Ok();
  if (k == 0) {
    ParallelFor(m, [&](int64_t i) {
      float* row = out.c + i * out.ldc;
      for (int64_t j = 0; j < n; ++j) {
        float v = (out.accumulate ? row[j] : 0.0f) + (out.bias != nullptr ? out.bias[j] : 0.0f);
        if (out.clamp) v = std::min(std::max(v, out.lo), out.hi);
        row[j] = v;
      }
    });
    return Status::Ok();
  }
  const GemmUkernel& uk = SelectGemmUkernel(n);
  const int mr = uk.mr;
  const int nr = uk.nr;
  const int threads = NumThreads();

  const int64_t k_blocks = CeilDiv(k, kKcMax);
  const int kc_max = static_cast<int>(CeilDiv(k, k_blocks));
  const int64_t nc_max = std::min<int64_t>(CeilDiv(n, nr) * nr, kNcMax);

  // Equal M blocks, as many as a multiple of the thread count, each at most about kMcTarget rows.
  const int mc_max = std::max(mr, kMcTarget / mr * mr);
  int64_t m_blocks = CeilDiv(m, mc_max);
  if (threads > 1) m_blocks = CeilDiv(m_blocks, threads) * threads;
  const int mc = static_cast<int>(std::max<int64_t>(mr, CeilDiv(CeilDiv(m, m_blocks), mr) * mr));
  m_blocks = CeilDiv(m, mc);

  float* b_packed = ThreadScratch(ScratchSlot::kPackB, static_cast<size_t>(kc_max) * nc_max);
  if (b_packed == nullptr) return Status(StatusCode::kNativeFailure, "gemm: out of memory packing B");
  bool a_alloc_failed = false;

  for (int64_t jc = 0; jc < n; jc += nc_max) {
    const int nc = static_cast<int>(std::min(nc_max, n - jc));
    const int64_t n_panels = CeilDiv(nc, nr);
    int64_t n_chunks = 1;
    if (threads > 1 && m_blocks < 2 * threads) n_chunks = std::min<int64_t>(n_panels, CeilDiv(2 * threads, m_blocks));
    for (int64_t pc = 0; pc < k; pc += kc_max) {
      const int kc = static_cast<int>(std::min<int64_t>(kc_max, k - pc));
      ParallelFor(n_panels, [&](int64_t q) {
        const int q0 = static_cast<int>(q) * nr;
        b.Pack(pc, kc, jc + q0, std::min(nr, nc - q0), nr, b_packed + static_cast<int64_t>(q0) * kc);
      });
      const bool first = pc == 0;
      const bool last = pc + kc == k;
      ParallelFor(m_blocks * n_chunks, [&](int64_t task) {
        const int64_t ib = task / n_chunks;
        const int64_t jb = task % n_chunks;
        const int64_t m0 = ib * mc;
        const int mcur = static_cast<int>(std::min<int64_t>(mc, m - m0));
        float* a_packed = ThreadScratch(ScratchSlot::kPackA, static_cast<size_t>(CeilDiv(mcur, mr)) * mr * kc);
        if (a_packed == nullptr) {
          a_alloc_failed = true;
          return;
        }
        a.Pack(m0, mcur, pc, kc, mr, a_packed);
        const int64_t q_begin = n_panels * jb / n_chunks;
        const int64_t q_end = n_panels * (jb + 1) / n_chunks;
        GemmEpilogue ep;
        ep.accumulate = !first || out.accumulate;
        ep.clamp = last && out.clamp;
        ep.lo = out.lo;
        ep.hi = out.hi;
        for (int64_t q = q_begin; q < q_end; ++q) {
          const int64_t col = jc + q * nr;
          const int ncur = static_cast<int>(std::min<int64_t>(nr, n - col));
          ep.bias = (first && out.bias != nullptr) ? out.bias + col : nullptr;
          const float* b_panel = b_packed + q * nr * kc;
          for (int ir = 0; ir < mcur; ir += mr) {
            uk.fn(kc, a_packed + static_cast<int64_t>(ir) * kc, b_panel, out.c + (m0 + ir) * out.ldc + col, out.ldc,
                  std::min(mr, mcur - ir), ncur, ep);
          }
        }
      });
      if (a_alloc_failed) return Status(StatusCode::kNativeFailure, "gemm: out of memory packing A");
    }
  }
  return Status::Ok();
}

namespace {

bool MulOverflows(int64_t a, int64_t b, int64_t* out) { return __builtin_mul_overflow(a, b, out); }

Status CheckLength(const char* arg, int64_t length, int64_t expected) {
  if (length != expected) {
    return ArgError(StatusCode::kShapeMismatch, "gemm", arg, "length " + std::to_string(expected),
                    "length " + std::to_string(length));
  }
  return Status::Ok();
}

}  // namespace

Status Gemm(const GemmArgs& args) {
  constexpr int64_t kMaxDim = int64_t{1} << 31;
  const struct {
    const char* name;
    int64_t value;
  } dims[] = {{"m", args.m}, {"n", args.n}, {"k", args.k}};
  for (const auto& d : dims) {
    if (d.value < 0 || d.value >= kMaxDim) {
      return ArgError(StatusCode::kInvalidArgument, "gemm", d.name, "an integer in [0, 2^31)", std::to_string(d.value));
    }
  }
  if (!std::isfinite(args.alpha)) return ArgError(StatusCode::kNonFinite, "gemm", "alpha", "a finite number", "non-finite");
  if (!std::isfinite(args.beta)) return ArgError(StatusCode::kNonFinite, "gemm", "beta", "a finite number", "non-finite");
  int64_t a_size, b_size, c_size;
  if (MulOverflows(args.m, args.k, &a_size) || MulOverflows(args.k, args.n, &b_size) ||
      MulOverflows(args.m, args.n, &c_size)) {
    return Status(StatusCode::kInvalidArgument, "gemm: matrix sizes overflow");
  }
  AMC_RETURN_IF_ERROR(CheckLength("a", args.a_length, a_size));
  AMC_RETURN_IF_ERROR(CheckLength("b", args.b_length, b_size));
  AMC_RETURN_IF_ERROR(CheckLength("c", args.c_length, c_size));
  if (args.bias != nullptr) AMC_RETURN_IF_ERROR(CheckLength("bias", args.bias_length, args.n));
  if ((a_size > 0 && args.a == nullptr) || (b_size > 0 && args.b == nullptr) || (c_size > 0 && args.c == nullptr)) {
    return Status(StatusCode::kInvalidArgument, "gemm: a buffer is missing");
  }
  if (c_size == 0) return Status::Ok();

  GemmOutput out;
  out.c = args.c;
  out.ldc = args.n;
  out.bias = args.bias;
  SetActivation(args.activation, &out.clamp, &out.lo, &out.hi);
  if (args.beta == 1.0f) {
    out.accumulate = true;
  } else if (args.beta != 0.0f) {
    const float beta = args.beta;
    float* c = args.c;
    ParallelFor(args.m, [&](int64_t i) {
      for (int64_t j = 0; j < args.n; ++j) c[i * args.n + j] *= beta;
    });
    out.accumulate = true;
  }
  MatrixAPacker a(args.a, args.trans_a ? args.m : args.k, args.trans_a, args.alpha);
  MatrixBPacker b(args.b, args.trans_b ? args.k : args.n, args.trans_b);
  return GemmDriver(args.m, args.n, args.k, a, b, out);
}

}  // namespace amc
