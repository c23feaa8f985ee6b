// The prune family: numerical helpers of channel pruning (AMC-SPEC section 4) and fine-grained pruning
// (section 5).
//
//   MagnitudeThreshold / MagnitudePrune  per-tensor top-k by |w| (radix select over the bits of |w|, O(n))
//   TopKIndices                          the k largest scores, as an ascending index list
//   ChannelImportance                    L1 / L2 norm of the slices of a tensor along one axis
//   LeastSquares                         min_W ||X W - Y||_F^2 + ridge ||W||_F^2 (+ an unpenalised intercept),
//                                        normal equations through the GEMM driver, Cholesky in double with a
//                                        symmetric-eigendecomposition (minimum-norm) fallback
//
// Tie rule of every top-k here: exactly k entries are kept; among equal keys, lower indices win. Magnitudes
// compare by value, so -0 and +0 tie (as do -x and +x for |w|).
#pragma once
#include <cstdint>

#include "amc/status.h"

namespace amc {

// ---- Fine-grained (magnitude) pruning ----

// Number of entries kept at a density: round(density * n) (halves round up, as JS Math.round).
int64_t MagnitudeKeepCount(int64_t n, double density);

struct MagnitudeArgs {
  const float* weights = nullptr;
  int64_t length = 0;
  int64_t keep = 0;            // k in [0, length]
  float* threshold = nullptr;  // optional, 1 value out: the k-th largest |w| (+inf when k == 0)
  int64_t threshold_length = 0;
  float* out = nullptr;        // optional, `length` values: the weights with the n - k smallest |w| zeroed;
  int64_t out_length = 0;      // may alias `weights` (in place)
  uint8_t* mask = nullptr;     // optional, `length` values: 1 kept, 0 pruned
  int64_t mask_length = 0;
};

// Finds the k-th largest |w| and (when out / mask are given) writes the pruned copy and the mask.
// NaN weights fail with kNonFinite (they have no order); infinities order as the largest magnitudes.
Status MagnitudePrune(const MagnitudeArgs& args);

// ---- Channel selection ----

struct TopKArgs {
  const float* scores = nullptr;
  int64_t length = 0;
  int64_t keep = 0;         // k in [0, length]
  int32_t* out = nullptr;   // k indices, ascending
  int64_t out_length = 0;
};

// The indices of the k largest scores, ascending (ties: lower index wins; NaN fails with kNonFinite).
Status TopKIndices(const TopKArgs& args);

enum class ImportanceNorm : int { kL1 = 1, kL2 = 2 };

struct ChannelImportanceArgs {
  const float* weights = nullptr;
  int64_t length = 0;
  // The tensor viewed as [outer, channels, inner] around the chosen axis (row-major).
  int64_t outer = 0, channels = 0, inner = 0;
  ImportanceNorm norm = ImportanceNorm::kL1;
  float* out = nullptr;  // `channels` values
  int64_t out_length = 0;
};

// out[c] = sum over (o, i) of |W[o, c, i]| (L1) or its square root of squares (L2); accumulated in double.
// Non-finite weights propagate (an infinity or NaN in a slice makes that channel's score non-finite).
Status ChannelImportance(const ChannelImportanceArgs& args);

// ---- Least squares (reconstruction) ----

enum class LstsqSolver : int { kAuto = 0, kCholesky = 1, kEigen = 2 };

struct LeastSquaresArgs {
  const float* x = nullptr;  // rows x cols, row-major
  int64_t x_length = 0;
  const float* y = nullptr;  // rows x outs, row-major
  int64_t y_length = 0;
  int64_t rows = 0, cols = 0, outs = 0;
  bool has_ridge = false;  // false: the default ridge (see LeastSquares)
  double ridge = 0.0;
  LstsqSolver solver = LstsqSolver::kAuto;
  bool fit_intercept = false;
  float* weights = nullptr;    // cols x outs out
  int64_t weights_length = 0;
  float* intercept = nullptr;  // outs out; required when fit_intercept, else ignored
  int64_t intercept_length = 0;
  // Results: the solver used (1 Cholesky, 2 eigen), the ridge used, the relative residual
  // ||X W (+ 1 b^T) - Y||_F / ||Y||_F (the absolute norm when ||Y||_F == 0) and the numerical rank
  // (cols for Cholesky; eigenvalues kept for eigen).
  LstsqSolver* solver_used = nullptr;
  double* ridge_used = nullptr;
  double* residual = nullptr;
  int64_t* rank = nullptr;
};

// Default ridge, relative to the mean diagonal of X^T X (of the centred X with an intercept).
constexpr double kDefaultRelativeRidge = 1e-6;

// Solves min_W ||X W + 1 b^T - Y||_F^2 + ridge ||W||_F^2 (b = 0 unless fit_intercept; b is not penalised).
//
// G = X^T X (lower triangle, in column panels) and R = X^T Y through GemmDriver in float, 4096-row blocks
// accumulated in double; columns whose mean dominates are shifted while packing and the shift is added back
// in double (see src/prune/lstsq.cc). With an intercept, G and R are those of the centred X and Y.
// Default ridge: kDefaultRelativeRidge * mean(diag G). Noise floor of G:
//   floor = max(cols, 32) * FLT_EPSILON * max diag of the packed Gram + cols * DBL_EPSILON * max(G).
//  - Cholesky (kAuto, kCholesky) of G + ridge I in double. It breaks down when a pivot is not finite or is at
//    most max(ridge / 2, cols * DBL_EPSILON * max diag G) (ridge > 0: with G positive semi-definite every
//    pivot is at least ridge, so a smaller one means G's rounding outweighs the ridge), or at most the noise
//    floor (ridge == 0). kAuto then falls back to the eigen solver; kCholesky fails with kInvalidArgument.
//  - Eigen (fallback, kEigen): G = V diag(l) V^T (Householder tridiagonalisation + implicit QL, double);
//    W = V diag(1 / (l + ridge)) V^T R over the eigenvalues l above the noise floor, the others dropped
//    (minimum-norm pseudo-inverse); rank = the number kept. An all-zero X gives W = 0.
// The residual is computed from X, W and Y directly (another GEMM pass in row blocks), not from G.
// Non-finite X or Y fail with kNonFinite; lengths that disagree with rows / cols / outs with kShapeMismatch.
Status LeastSquares(const LeastSquaresArgs& args);

}  // namespace amc
