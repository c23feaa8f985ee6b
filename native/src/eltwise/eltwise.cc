// The eltwise family's entry points: validation, the ISA variant, and fixed-size chunks over the thread pool
// (elementwise results do not depend on the split, so any thread count gives the same bits).
#include "amc/eltwise.h"

#include <algorithm>
#include <string>
#include <vector>

#include "amc/thread-pool.h"

namespace amc {
namespace eltwise {

extern const Kernels kF32Eltwise_scalar;
extern const Kernels kF32Eltwise_avx2;
extern const Kernels kF32Eltwise_avx512;

const Kernels* KernelTable(int* count) {
  // Copied at first use (the variants are defined in their own translation units).
  static const Kernels table[] = {kF32Eltwise_scalar, kF32Eltwise_avx2, kF32Eltwise_avx512};
  *count = static_cast<int>(sizeof(table) / sizeof(table[0]));
  return table;
}

const Kernels& Select() {
  int count = 0;
  const Kernels* table = KernelTable(&count);
  return BestVariant(table, count);
}

}  // namespace eltwise

namespace {

constexpr int64_t kChunk = 1 << 15;      // elements per task
constexpr int64_t kParallelMin = 1 << 16;  // below this, run inline

// Runs fn(begin, end) over [0, n) in chunks whose starts are multiples of `align`.
template <typename F>
void Chunked(int64_t n, int64_t align, F fn) {
  const int64_t chunk = std::max<int64_t>(align, (kChunk / align) * align);
  const int64_t tasks = (n + chunk - 1) / chunk;
  if (n < kParallelMin || tasks <= 1) {
    fn(int64_t{0}, n);
    return;
  }
  ParallelFor(tasks, [&](int64_t t) { fn(t * chunk, std::min(n, (t + 1) * chunk)); });
}

Status LengthError(const char* op, const char* arg, int64_t want, int64_t got) {
  return ArgError(StatusCode::kShapeMismatch, op, arg, "length " + std::to_string(want), "length " + std::to_string(got));
}

}  // namespace

Status Unary(const UnaryArgs& a) {
  const char* op = "unary";
  const int code = static_cast<int>(a.op);
  if (code < 0 || code >= kUnaryOpCount) {
    return ArgError(StatusCode::kInvalidArgument, op, "op", "0.." + std::to_string(kUnaryOpCount - 1), std::to_string(code));
  }
  if (a.out_length != a.x_length) return LengthError(op, "out", a.x_length, a.out_length);
  if (a.x_length == 0) return Status::Ok();
  const eltwise::Kernels& k = eltwise::Select();
  Chunked(a.x_length, 1, [&](int64_t b, int64_t e) { k.unary(a.op, a.x + b, a.out + b, e - b, a.alpha); });
  return Status::Ok();
}

Status Binary(const BinaryArgs& a) {
  const char* op = "binary";
  const int code = static_cast<int>(a.op);
  if (code < 0 || code >= kBinaryOpCount) {
    return ArgError(StatusCode::kInvalidArgument, op, "op", "0.." + std::to_string(kBinaryOpCount - 1), std::to_string(code));
  }
  const int64_t n = std::max(a.a_length, a.b_length);
  const int64_t m = std::min(a.a_length, a.b_length);
  if (m == 0) {
    if (n != 0) return ArgError(StatusCode::kShapeMismatch, op, "a / b", "both empty or both non-empty", "one empty");
    if (a.out_length != 0) return LengthError(op, "out", 0, a.out_length);
    return Status::Ok();
  }
  if (n % m != 0) {
    return ArgError(StatusCode::kShapeMismatch, op, "a / b", "lengths where the shorter divides the longer",
                    std::to_string(a.a_length) + " and " + std::to_string(a.b_length));
  }
  if (a.out_length != n) return LengthError(op, "out", n, a.out_length);
  const eltwise::Kernels& k = eltwise::Select();
  if (a.a_length == a.b_length) {
    Chunked(n, 1, [&](int64_t b, int64_t e) { k.binary_same(a.op, a.a + b, a.b + b, a.out + b, e - b); });
  } else if (m == 1) {
    if (a.a_length == 1) {
      const float s = a.a[0];
      Chunked(n, 1, [&](int64_t b, int64_t e) { k.binary_scalar_a(a.op, s, a.b + b, a.out + b, e - b); });
    } else {
      const float s = a.b[0];
      Chunked(n, 1, [&](int64_t b, int64_t e) { k.binary_scalar_b(a.op, a.a + b, s, a.out + b, e - b); });
    }
  } else {
    // Repeat the short row into a run of whole rows (>= 1024 values) once, then zip runs against it.
    const bool a_short = a.a_length == m;
    const float* row = a_short ? a.a : a.b;
    const float* big = a_short ? a.b : a.a;
    const int64_t reps = std::max<int64_t>(1, 1024 / m);
    std::vector<float> run(static_cast<size_t>(m * reps));
    for (int64_t r = 0; r < reps; ++r) std::copy(row, row + m, run.begin() + r * m);
    const int64_t run_length = m * reps;
    const float* tiled = run.data();
    Chunked(n, run_length, [&](int64_t b, int64_t e) {
      for (int64_t s = b; s < e; s += run_length) {
        const int64_t len = std::min(run_length, e - s);
        if (a_short) {
          k.binary_same(a.op, tiled, big + s, a.out + s, len);
        } else {
          k.binary_same(a.op, big + s, tiled, a.out + s, len);
        }
      }
    });
  }
  return Status::Ok();
}

Status ActivationGrad(const ActivationGradArgs& a) {
  const char* op = "activationGrad";
  if (a.x_length != a.dy_length) return LengthError(op, "x", a.dy_length, a.x_length);
  if (a.out_length != a.dy_length) return LengthError(op, "out", a.dy_length, a.out_length);
  if (a.upper != a.upper) return ArgError(StatusCode::kInvalidArgument, op, "upper", "a number", "NaN");
  if (a.clip) {
    if (a.lower != a.lower) return ArgError(StatusCode::kInvalidArgument, op, "lower", "a number", "NaN");
    if (a.lower > a.upper) {
      return ArgError(StatusCode::kInvalidArgument, op, "lower", "at most upper (" + std::to_string(a.upper) + ")",
                      std::to_string(a.lower));
    }
  }
  if (a.dy_length == 0) return Status::Ok();
  const eltwise::Kernels& k = eltwise::Select();
  if (a.clip) {
    Chunked(a.dy_length, 1, [&](int64_t b, int64_t e) { k.clip_grad(a.dy + b, a.x + b, a.lower, a.upper, a.out + b, e - b); });
    return Status::Ok();
  }
  Chunked(a.dy_length, 1, [&](int64_t b, int64_t e) { k.activation_grad(a.dy + b, a.x + b, a.upper, a.out + b, e - b); });
  return Status::Ok();
}

}  // namespace amc
