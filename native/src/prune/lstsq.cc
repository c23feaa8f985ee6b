// Least-squares reconstruction (AMC-SPEC section 4): normal equations formed with the GEMM driver, solved in
// double by Cholesky or, as a fallback, by a truncated symmetric eigendecomposition (minimum-norm).
//
// Accuracy of G = X^T X formed in float. Each block of kRowBlock rows is multiplied in float (the microkernel
// accumulates 256 products in registers) and added into double sums, so the float rounding is that of one
// block, about 1e-7 of the diagonal. Columns whose mean dominates (|mean| > 2 std, e.g. offset features) are
// shifted by their float mean a = float(m) while packing, never materialised: otherwise the mean part would
// swamp the rounding. Columns that are not (typical ReLU activations, whose exact zeros also make exact
// products) are packed as they are (a = 0). With the packed Xs = X - a, whose column sums are rows (m - a),
// expanding X = Xs + a gives, in double,
//   X^T X = Xs^T Xs + rows (a m^T + m a^T - a a^T)
// and the same for X^T Y with Y's shift c. With an intercept the Gram about the exact means is
// Xs^T Xs - rows e e^T, e = m - a (and Xs^T Ys - rows e_x e_y^T).
#include <algorithm>
#include <atomic>
#include <cfloat>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "amc/gemm.h"
#include "amc/prune.h"
#include "amc/scratch.h"
#include "amc/thread-pool.h"
#include "prune/linalg.h"
#include "prune/window-pack.h"

namespace amc {
namespace {

constexpr int64_t kRowBlock = 4096;  // rows per float GEMM before adding into the double sums
constexpr int64_t kMaxDim = int64_t{1} << 31;

// Column sums and sums of squares of a rows x width matrix in double, their totals, and the lowest index of a
// non-finite value (-1 when all are finite). A sum of at most 2^31 finite floats cannot overflow a double, so a
// non-finite column sum is the (free) sign of a non-finite value; only then is the column rescanned.
struct ColumnStats {
  std::vector<double> sum;
  std::vector<double> squares;
  double sum_squares = 0.0;
  int64_t bad_index = -1;
};

ColumnStats ComputeColumnStats(const float* m, int64_t rows, int64_t width) {
  ColumnStats stats;
  stats.sum.assign(static_cast<size_t>(width), 0.0);
  stats.squares.assign(static_cast<size_t>(width), 0.0);
  if (rows == 0 || width == 0) return stats;
  const int64_t parts = std::max<int64_t>(1, std::min<int64_t>(NumThreads(), rows * width / (1 << 16)));
  std::vector<double> partial(static_cast<size_t>(parts * width), 0.0);
  std::vector<double> partial_squares(static_cast<size_t>(parts * width), 0.0);
  ParallelFor(parts, [&](int64_t part) {
    double* acc = partial.data() + part * width;
    double* sq = partial_squares.data() + part * width;
    for (int64_t r = rows * part / parts, end = rows * (part + 1) / parts; r < end; ++r) {
      const float* row = m + r * width;
      for (int64_t j = 0; j < width; ++j) {
        const double v = row[j];
        acc[j] += v;
        sq[j] += v * v;
      }
    }
  });
  for (int64_t part = 0; part < parts; ++part) {
    for (int64_t j = 0; j < width; ++j) {
      stats.sum[j] += partial[part * width + j];
      stats.squares[j] += partial_squares[part * width + j];
    }
  }
  for (int64_t j = 0; j < width; ++j) {
    stats.sum_squares += stats.squares[j];
    if (std::isfinite(stats.sum[j])) continue;
    for (int64_t r = 0; r < rows; ++r) {
      if (!std::isfinite(m[r * width + j])) {
        const int64_t index = r * width + j;
        if (stats.bad_index < 0 || index < stats.bad_index) stats.bad_index = index;
        break;
      }
    }
  }
  return stats;
}

// Whether a column is shifted by its mean while packing (see the top of the file): when |mean| > 2 std.
bool CentreColumn(double mean, double mean_square) { return mean * mean > 0.8 * mean_square; }

// Eigenvalues (and Cholesky pivots with no ridge) at or below this are rounding noise of G: the float
// products' rounding, relative to the largest diagonal of the packed (shifted) Gram, plus double rounding
// relative to the largest eigenvalue (or diagonal) of G.
double NoiseFloor(int64_t cols, double packed_diag_max, double g_max) {
  const double c = static_cast<double>(cols);
  return std::max(c, 32.0) * FLT_EPSILON * packed_diag_max + c * DBL_EPSILON * g_max;
}

Status NonFinite(const char* arg, int64_t index, int64_t width) {
  return ArgError(StatusCode::kNonFinite, "leastSquares", arg, "finite values",
                  "a non-finite value at row " + std::to_string(index / width) + ", column " +
                      std::to_string(index % width));
}

// Over rows [r0, r0 + rb): gram (cols x cols, row stride cols, float) = the lower triangle (and the tiles that
// straddle the diagonal) of Xs^T Xs, and rhs (cols x outs, float) = Xs^T Ys, with Xs = X - shift_x and
// Ys = Y - shift_y. A SYRK over the GEMM microkernels: op(B) = [Xs | Ys] is packed once per K block, each
// block of mc rows packs its op(A) = Xs^T once and multiplies it by the X panels up to the diagonal and by
// every Y panel. About half the flops of a full X^T X, and X is packed twice (not three times).
Status NormalEquationsBlock(const LeastSquaresArgs& a, int64_t r0, int64_t rb, const float* shift_x,
                            const float* shift_y, float* gram, float* rhs) {
  const int64_t cols = a.cols, outs = a.outs;
  const GemmUkernel& uk = SelectGemmUkernel(cols);
  const int mr = uk.mr;
  const int nr = uk.nr;
  constexpr int kKc = 256;
  const int mc = std::max(mr, 96 / mr * mr);
  const int64_t x_panels = (cols + nr - 1) / nr;
  const int64_t y_panels = (outs + nr - 1) / nr;
  const int64_t m_blocks = (cols + mc - 1) / mc;
  prune::WindowAPacker pa(a.x, cols, r0, 0, shift_x);
  prune::WindowBPacker px(a.x, cols, r0, 0, shift_x);
  prune::WindowBPacker py(a.y, outs, r0, 0, shift_y);
  const int64_t k_blocks = (rb + kKc - 1) / kKc;
  const int kc_max = static_cast<int>((rb + k_blocks - 1) / k_blocks);
  float* b_packed = ThreadScratch(ScratchSlot::kPackB, static_cast<size_t>(kc_max) * (x_panels + y_panels) * nr);
  if (b_packed == nullptr) return Status(StatusCode::kNativeFailure, "leastSquares: out of memory packing X");
  std::atomic<bool> failed{false};
  for (int64_t pc = 0; pc < rb; pc += kc_max) {
    const int kc = static_cast<int>(std::min<int64_t>(kc_max, rb - pc));
    float* y_packed = b_packed + x_panels * nr * kc;
    ParallelFor(x_panels + y_panels, [&](int64_t q) {
      if (q < x_panels) {
        const int64_t q0 = q * nr;
        px.Pack(pc, kc, q0, static_cast<int>(std::min<int64_t>(nr, cols - q0)), nr, b_packed + q0 * kc);
      } else {
        const int64_t q0 = (q - x_panels) * nr;
        py.Pack(pc, kc, q0, static_cast<int>(std::min<int64_t>(nr, outs - q0)), nr, y_packed + q0 * kc);
      }
    });
    GemmEpilogue ep;
    ep.accumulate = pc > 0;
    // The last row blocks hold the most tiles: hand them out first.
    ParallelFor(m_blocks, [&](int64_t task) {
      const int64_t m0 = (m_blocks - 1 - task) * mc;
      const int mcur = static_cast<int>(std::min<int64_t>(mc, cols - m0));
      float* a_packed = ThreadScratch(ScratchSlot::kPackA, static_cast<size_t>((mcur + mr - 1) / mr) * mr * kc);
      if (a_packed == nullptr) {
        failed.store(true, std::memory_order_relaxed);
        return;
      }
      pa.Pack(m0, mcur, pc, kc, mr, a_packed);
      const int64_t last_row = m0 + mcur - 1;
      for (int64_t q = 0; q < x_panels && q * nr <= last_row; ++q) {
        const int64_t col = q * nr;
        const int ncur = static_cast<int>(std::min<int64_t>(nr, cols - col));
        const float* b_panel = b_packed + q * nr * kc;
        for (int ir = 0; ir < mcur; ir += mr) {
          const int m = std::min(mr, mcur - ir);
          if (col > m0 + ir + m - 1) continue;  // strictly above the diagonal
          uk.fn(kc, a_packed + static_cast<int64_t>(ir) * kc, b_panel, gram + (m0 + ir) * cols + col, cols, m, ncur, ep);
        }
      }
      for (int64_t q = 0; q < y_panels; ++q) {
        const int64_t col = q * nr;
        const int ncur = static_cast<int>(std::min<int64_t>(nr, outs - col));
        const float* b_panel = y_packed + q * nr * kc;
        for (int ir = 0; ir < mcur; ir += mr) {
          uk.fn(kc, a_packed + static_cast<int64_t>(ir) * kc, b_panel, rhs + (m0 + ir) * outs + col, outs,
                std::min(mr, mcur - ir), ncur, ep);
        }
      }
    });
    if (failed.load()) return Status(StatusCode::kNativeFailure, "leastSquares: out of memory packing X");
  }
  return Status::Ok();
}

// Accumulates the lower triangle of Xs^T Xs into g (double, cols x cols) and Xs^T Ys into r (cols x outs).
Status FormNormalEquations(const LeastSquaresArgs& a, const float* shift_x, const float* shift_y, double* g,
                           double* r) {
  const int64_t cols = a.cols, outs = a.outs;
  if (cols == 0) return Status::Ok();
  std::vector<float> gf(static_cast<size_t>(cols * cols));
  std::vector<float> rf(static_cast<size_t>(cols * outs));
  for (int64_t r0 = 0; r0 < a.rows; r0 += kRowBlock) {
    const int64_t rb = std::min(kRowBlock, a.rows - r0);
    AMC_RETURN_IF_ERROR(NormalEquationsBlock(a, r0, rb, shift_x, shift_y, gf.data(), rf.data()));
    ParallelFor(cols, [&](int64_t i) {
      const float* src = gf.data() + i * cols;
      double* dst = g + i * cols;
      for (int64_t j = 0; j <= i; ++j) dst[j] += src[j];
      const float* rsrc = rf.data() + i * outs;
      double* rdst = r + i * outs;
      for (int64_t o = 0; o < outs; ++o) rdst[o] += rsrc[o];
    });
  }
  return Status::Ok();
}

// Sum of squares of X W + 1 b^T - Y, in row blocks through the GEMM driver.
Status ResidualSquares(const LeastSquaresArgs& a, const float* intercept, double* out) {
  const int64_t outs = a.outs;
  std::vector<float> e(static_cast<size_t>(std::min(kRowBlock, a.rows) * outs));
  double total = 0.0;
  for (int64_t r0 = 0; r0 < a.rows; r0 += kRowBlock) {
    const int64_t rb = std::min(kRowBlock, a.rows - r0);
    const float* y = a.y + r0 * outs;
    for (int64_t i = 0; i < rb * outs; ++i) e[i] = -y[i];
    prune::RowsAPacker pa(a.x, a.cols, r0);
    MatrixBPacker pb(a.weights, outs, false);
    GemmOutput go;
    go.c = e.data();
    go.ldc = outs;
    go.bias = intercept;
    go.accumulate = true;
    AMC_RETURN_IF_ERROR(GemmDriver(rb, outs, a.cols, pa, pb, go));
    double s = 0.0;
    for (int64_t i = 0; i < rb * outs; ++i) s += static_cast<double>(e[i]) * e[i];
    total += s;
  }
  *out = total;
  return Status::Ok();
}

// W = V diag(1 / (l + ridge)) V^T R over the eigenvalues l above the relative tolerance; returns the rank.
int64_t EigenSolve(const linalg::F64Kernels& kern, const std::vector<double>& g, int64_t cols, int64_t outs,
                   double ridge, double packed_diag_max, const std::vector<double>& r, std::vector<double>* w) {
  std::vector<double> v(static_cast<size_t>(cols * cols));
  std::vector<double> lambda(static_cast<size_t>(cols));
  linalg::SymmetricEigen(kern, g.data(), cols, v.data(), lambda.data());
  double lmax = 0.0;
  for (double l : lambda) lmax = std::max(lmax, l);
  const double tol = NoiseFloor(cols, packed_diag_max, lmax);
  w->assign(static_cast<size_t>(cols * outs), 0.0);
  std::vector<double> t(static_cast<size_t>(outs));
  int64_t rank = 0;
  for (int64_t i = 0; i < cols; ++i) {
    if (!(lambda[i] > tol) || !(lambda[i] + ridge > 0)) continue;
    ++rank;
    const double* vi = v.data() + i * cols;  // eigenvector i, contiguous
    std::fill(t.begin(), t.end(), 0.0);
    for (int64_t k = 0; k < cols; ++k) kern.axpy(vi[k], r.data() + k * outs, t.data(), outs);
    const double scale = 1.0 / (lambda[i] + ridge);
    for (int64_t o = 0; o < outs; ++o) t[o] *= scale;
    for (int64_t k = 0; k < cols; ++k) kern.axpy(vi[k], t.data(), w->data() + k * outs, outs);
  }
  return rank;
}

bool AllFiniteAsFloat(const std::vector<double>& w) {
  const double kMax = static_cast<double>(std::numeric_limits<float>::max());
  for (double v : w) {
    if (!(std::fabs(v) <= kMax)) return false;
  }
  return true;
}

Status Validate(const LeastSquaresArgs& a) {
  const char* op = "leastSquares";
  const struct {
    const char* name;
    int64_t value;
  } dims[] = {{"rows", a.rows}, {"cols", a.cols}, {"outs", a.outs}};
  for (const auto& d : dims) {
    if (d.value < 0 || d.value >= kMaxDim) {
      return ArgError(StatusCode::kInvalidArgument, op, d.name, "an integer in [0, 2^31)", std::to_string(d.value));
    }
  }
  if (a.cols > 65536) {
    return ArgError(StatusCode::kInvalidArgument, op, "cols", "at most 65536 columns", std::to_string(a.cols));
  }
  int64_t x_size, y_size, w_size;
  if (__builtin_mul_overflow(a.rows, a.cols, &x_size) || __builtin_mul_overflow(a.rows, a.outs, &y_size) ||
      __builtin_mul_overflow(a.cols, a.outs, &w_size)) {
    return Status(StatusCode::kInvalidArgument, "leastSquares: matrix sizes overflow");
  }
  const struct {
    const char* name;
    const void* data;
    int64_t length;
    int64_t expected;
  } buffers[] = {{"x", a.x, a.x_length, x_size},
                 {"y", a.y, a.y_length, y_size},
                 {"weights", a.weights, a.weights_length, w_size},
                 {"intercept", a.intercept, a.fit_intercept ? a.intercept_length : 0, a.fit_intercept ? a.outs : 0}};
  for (const auto& b : buffers) {
    if (b.length != b.expected) {
      return ArgError(StatusCode::kShapeMismatch, op, b.name, "length " + std::to_string(b.expected),
                      "length " + std::to_string(b.length));
    }
  }
  if ((x_size > 0 && a.x == nullptr) || (y_size > 0 && a.y == nullptr) || (w_size > 0 && a.weights == nullptr) ||
      (a.fit_intercept && a.outs > 0 && a.intercept == nullptr)) {
    return Status(StatusCode::kInvalidArgument, "leastSquares: a buffer is missing");
  }
  if (a.has_ridge && !(a.ridge >= 0.0 && std::isfinite(a.ridge))) {
    return ArgError(StatusCode::kInvalidArgument, op, "ridge", "a finite number >= 0", std::to_string(a.ridge));
  }
  const int solver = static_cast<int>(a.solver);
  if (solver < 0 || solver > 2) {
    return ArgError(StatusCode::kInvalidArgument, op, "solver", "0 (auto), 1 (cholesky) or 2 (eigen)",
                    std::to_string(solver));
  }
  return Status::Ok();
}

}  // namespace

Status LeastSquares(const LeastSquaresArgs& a) {
  AMC_RETURN_IF_ERROR(Validate(a));
  const int64_t rows = a.rows, cols = a.cols, outs = a.outs;

  const ColumnStats xs = ComputeColumnStats(a.x, rows, cols);
  if (xs.bad_index >= 0) return NonFinite("x", xs.bad_index, cols);
  const ColumnStats ys = ComputeColumnStats(a.y, rows, outs);
  if (ys.bad_index >= 0) return NonFinite("y", ys.bad_index, outs);

  const double inv_rows = rows > 0 ? 1.0 / static_cast<double>(rows) : 0.0;
  std::vector<double> mx(static_cast<size_t>(cols)), my(static_cast<size_t>(outs));
  std::vector<float> mxf(static_cast<size_t>(cols)), myf(static_cast<size_t>(outs));
  for (int64_t j = 0; j < cols; ++j) {
    mx[j] = xs.sum[j] * inv_rows;
    mxf[j] = CentreColumn(mx[j], xs.squares[j] * inv_rows) ? static_cast<float>(mx[j]) : 0.0f;
  }
  for (int64_t o = 0; o < outs; ++o) {
    my[o] = ys.sum[o] * inv_rows;
    myf[o] = CentreColumn(my[o], ys.squares[o] * inv_rows) ? static_cast<float>(my[o]) : 0.0f;
  }

  std::vector<double> g(static_cast<size_t>(cols * cols), 0.0);
  std::vector<double> r(static_cast<size_t>(cols * outs), 0.0);
  AMC_RETURN_IF_ERROR(FormNormalEquations(a, mxf.data(), myf.data(), g.data(), r.data()));

  double packed_diag_max = 0.0;
  for (int64_t i = 0; i < cols; ++i) packed_diag_max = std::max(packed_diag_max, g[i * cols + i]);

  // Add back the shifts (see the top of the file).
  const double n = static_cast<double>(rows);
  for (int64_t i = 0; i < cols; ++i) {
    const double ei = mx[i] - mxf[i];
    for (int64_t j = 0; j <= i; ++j) {
      const double ej = mx[j] - mxf[j];
      g[i * cols + j] += a.fit_intercept ? -n * ei * ej : n * (mxf[i] * mx[j] + mx[i] * mxf[j] - double{mxf[i]} * mxf[j]);
    }
    for (int64_t o = 0; o < outs; ++o) {
      const double eo = my[o] - myf[o];
      r[i * outs + o] +=
          a.fit_intercept ? -n * ei * eo : n * (mxf[i] * my[o] + mx[i] * myf[o] - double{mxf[i]} * myf[o]);
    }
  }
  for (int64_t i = 0; i < cols; ++i) {
    for (int64_t j = 0; j < i; ++j) g[j * cols + i] = g[i * cols + j];
  }

  double diag_sum = 0.0, diag_max = 0.0;
  for (int64_t i = 0; i < cols; ++i) {
    diag_sum += g[i * cols + i];
    diag_max = std::max(diag_max, g[i * cols + i]);
  }
  const double ridge = a.has_ridge ? a.ridge : (cols > 0 ? kDefaultRelativeRidge * diag_sum / cols : 0.0);

  const linalg::F64Kernels& kern = linalg::SelectF64Kernels();
  std::vector<double> w;
  LstsqSolver used = LstsqSolver::kCholesky;
  int64_t rank = cols;
  bool solved = false;
  if (a.solver != LstsqSolver::kEigen) {
    std::vector<double> l(g);
    for (int64_t i = 0; i < cols; ++i) l[i * cols + i] += ridge;
    // With G positive semi-definite every pivot of G + ridge I is at least ridge: one below ridge / 2 means
    // the rounding of G outweighs the ridge. With no ridge, a pivot at the noise floor means rank deficiency.
    const double floor = ridge > 0 ? std::max(0.5 * ridge, static_cast<double>(cols) * DBL_EPSILON * diag_max)
                                   : NoiseFloor(cols, packed_diag_max, diag_max);
    if (linalg::CholeskyInPlace(kern, l.data(), cols, floor)) {
      w = r;
      linalg::CholeskySolve(kern, l.data(), cols, w.data(), outs);
      solved = AllFiniteAsFloat(w);
    }
    if (!solved && a.solver == LstsqSolver::kCholesky) {
      return Status(StatusCode::kInvalidArgument,
                    "leastSquares: expected X^T X + ridge I to be numerically positive definite for solver "
                    "'cholesky' but received a matrix whose factorisation broke down (ridge " +
                        std::to_string(ridge) + "); use solver 'auto' or 'eigen', or a larger ridge");
    }
  }
  if (!solved) {
    used = LstsqSolver::kEigen;
    rank = EigenSolve(kern, g, cols, outs, ridge, packed_diag_max, r, &w);
    if (!AllFiniteAsFloat(w)) {
      return Status(StatusCode::kNonFinite, "leastSquares: the solution overflows float; rescale X or Y");
    }
  }

  for (int64_t i = 0; i < cols * outs; ++i) a.weights[i] = static_cast<float>(w[i]);
  if (a.fit_intercept) {
    for (int64_t o = 0; o < outs; ++o) {
      double b = my[o];
      for (int64_t j = 0; j < cols; ++j) b -= mx[j] * w[j * outs + o];
      a.intercept[o] = static_cast<float>(b);
    }
  }

  double res2 = 0.0;
  if (outs > 0 && rows > 0) AMC_RETURN_IF_ERROR(ResidualSquares(a, a.fit_intercept ? a.intercept : nullptr, &res2));
  const double residual = ys.sum_squares > 0 ? std::sqrt(res2 / ys.sum_squares) : std::sqrt(res2);

  if (a.solver_used != nullptr) *a.solver_used = used;
  if (a.ridge_used != nullptr) *a.ridge_used = ridge;
  if (a.residual != nullptr) *a.residual = residual;
  if (a.rank != nullptr) *a.rank = rank;
  return Status::Ok();
}

}  // namespace amc
