#include "prune/linalg.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "amc/thread-pool.h"

namespace amc::linalg {
bool CholeskyInPlace(const F64Kernels& k, double* a, int64_t n, double pivot_floor) {
  // Row-oriented (Cholesky-Crout): row i of L from its own earlier entries and the finished rows j < i,
  // every inner product over two contiguous row prefixes.
  for (int64_t i = 0; i < n; ++i) {
    double* li = a + i * n;
    for (int64_t j = 0; j < i; ++j) {
      const double* lj = a + j * n;
      li[j] = (li[j] - k.dot(li, lj, j)) / lj[j];
    }
    const double pivot = li[i] - k.dot(li, li, i);
    if (!(pivot > pivot_floor) || !std::isfinite(pivot)) return false;
    li[i] = std::sqrt(pivot);
  }
  return true;
}

void CholeskySolve(const F64Kernels& k, const double* l, int64_t n, double* b, int64_t m) {
  // Columns of B are independent: split them between threads in chunks of 16.
  constexpr int64_t kChunk = 16;
  const int64_t chunks = (m + kChunk - 1) / kChunk;
  auto solve = [&](int64_t chunk) {
    const int64_t c0 = chunk * kChunk;
    const int64_t w = std::min(kChunk, m - c0);
    // Forward: L Z = B.
    for (int64_t i = 0; i < n; ++i) {
      double* bi = b + i * m + c0;
      const double* li = l + i * n;
      for (int64_t p = 0; p < i; ++p) k.axpy(-li[p], b + p * m + c0, bi, w);
      const double inv = 1.0 / li[i];
      for (int64_t j = 0; j < w; ++j) bi[j] *= inv;
    }
    // Backward: L^T X = Z, row i of L scattering into the earlier rows.
    for (int64_t i = n - 1; i >= 0; --i) {
      double* bi = b + i * m + c0;
      const double* li = l + i * n;
      const double inv = 1.0 / li[i];
      for (int64_t j = 0; j < w; ++j) bi[j] *= inv;
      for (int64_t p = 0; p < i; ++p) k.axpy(-li[p], bi, b + p * m + c0, w);
    }
  };
  if (chunks == 1 || n * n * m < (int64_t{1} << 20)) {
    for (int64_t c = 0; c < chunks; ++c) solve(c);
  } else {
    ParallelFor(chunks, solve);
  }
}

bool SymmetricEigen(const F64Kernels& kern, const double* a, int64_t n, double* v, double* d) {
  if (n == 0) return true;
  // V(r, c) is stored column-major so that the inner loops of both stages walk contiguous memory.
  auto V = [&](int64_t r, int64_t c) -> double& { return v[c * n + r]; };
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j <= i; ++j) {
      V(i, j) = a[i * n + j];
      V(j, i) = a[i * n + j];
    }
  }
  std::vector<double> e_store(static_cast<size_t>(n), 0.0);
  double* e = e_store.data();

  // Householder reduction to tridiagonal form (tred2).
  for (int64_t j = 0; j < n; ++j) d[j] = V(n - 1, j);
  for (int64_t i = n - 1; i > 0; --i) {
    double scale = 0.0;
    double h = 0.0;
    for (int64_t k = 0; k < i; ++k) scale += std::fabs(d[k]);
    if (scale == 0.0) {
      e[i] = d[i - 1];
      for (int64_t j = 0; j < i; ++j) {
        d[j] = V(i - 1, j);
        V(i, j) = 0.0;
        V(j, i) = 0.0;
      }
    } else {
      for (int64_t k = 0; k < i; ++k) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      double f = d[i - 1];
      double g = std::sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h = h - f * g;
      d[i - 1] = f - g;
      for (int64_t j = 0; j < i; ++j) e[j] = 0.0;
      for (int64_t j = 0; j < i; ++j) {
        f = d[j];
        V(j, i) = f;
        g = e[j] + V(j, j) * f;
        const double* col = &V(0, j);
        for (int64_t k = j + 1; k <= i - 1; ++k) {
          g += col[k] * d[k];
          e[k] += col[k] * f;
        }
        e[j] = g;
      }
      f = 0.0;
      for (int64_t j = 0; j < i; ++j) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const double hh = f / (h + h);
      for (int64_t j = 0; j < i; ++j) e[j] -= hh * d[j];
      for (int64_t j = 0; j < i; ++j) {
        f = d[j];
        g = e[j];
        double* col = &V(0, j);
        for (int64_t k = j; k <= i - 1; ++k) col[k] -= (f * e[k] + g * d[k]);
        d[j] = V(i - 1, j);
        V(i, j) = 0.0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (int64_t i = 0; i < n - 1; ++i) {
    V(n - 1, i) = V(i, i);
    V(i, i) = 1.0;
    const double h = d[i + 1];
    double* next = &V(0, i + 1);
    if (h != 0.0) {
      for (int64_t k = 0; k <= i; ++k) d[k] = next[k] / h;
      for (int64_t j = 0; j <= i; ++j) {
        double* col = &V(0, j);
        const double g = kern.dot(next, col, i + 1);
        kern.axpy(-g, d, col, i + 1);
      }
    }
    for (int64_t k = 0; k <= i; ++k) next[k] = 0.0;
  }
  for (int64_t j = 0; j < n; ++j) {
    d[j] = V(n - 1, j);
    V(n - 1, j) = 0.0;
  }
  V(n - 1, n - 1) = 1.0;
  e[0] = 0.0;

  // Implicit QL on the tridiagonal matrix (tql2), rotating the columns of V.
  constexpr int kMaxIterations = 60;
  bool converged = true;
  for (int64_t i = 1; i < n; ++i) e[i - 1] = e[i];
  e[n - 1] = 0.0;
  double f = 0.0;
  double tst1 = 0.0;
  const double eps = std::ldexp(1.0, -52);
  for (int64_t l = 0; l < n; ++l) {
    tst1 = std::max(tst1, std::fabs(d[l]) + std::fabs(e[l]));
    int64_t m = l;
    while (m < n - 1) {
      if (std::fabs(e[m]) <= eps * tst1) break;
      ++m;
    }
    if (m > l) {
      int iter = 0;
      do {
        if (++iter > kMaxIterations) {
          converged = false;
          break;
        }
        double g = d[l];
        double p = (d[l + 1] - g) / (2.0 * e[l]);
        double r = std::hypot(p, 1.0);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const double dl1 = d[l + 1];
        double h = g - d[l];
        for (int64_t i = l + 2; i < n; ++i) d[i] -= h;
        f += h;
        p = d[m];
        double c = 1.0, c2 = 1.0, c3 = 1.0;
        const double el1 = e[l + 1];
        double s = 0.0, s2 = 0.0;
        for (int64_t i = m - 1; i >= l; --i) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = std::hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          kern.rot(c, s, &V(0, i), &V(0, i + 1), n);
        }
        p = -s * s2 * c3 * el1 * e[l] / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (std::fabs(e[l]) > eps * tst1);
    }
    d[l] = d[l] + f;
    e[l] = 0.0;
  }
  return converged;
}

}  // namespace amc::linalg
