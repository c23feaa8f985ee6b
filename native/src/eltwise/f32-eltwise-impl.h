// The loops of the eltwise family, written once and compiled per ISA (f32-eltwise-<isa>.cc include this file
// with their own compiler flags, and the compiler vectorises each loop for that ISA). Branch-free selects so every
// loop vectorises; NaN handling follows tfjs's cpu kernels.
#pragma once
#include <cmath>
#include <cstdint>

#include "amc/eltwise.h"

namespace amc::eltwise::AMC_ELTWISE_NS {

inline float Max(float a, float b) { return (a != a || b != b) ? a + b : (a > b ? a : b); }
inline float Min(float a, float b) { return (a != a || b != b) ? a + b : (a < b ? a : b); }

template <typename F>
inline void Map(const float* x, float* out, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) out[i] = f(x[i]);
}

inline void UnaryLoop(UnaryOp op, const float* x, float* out, int64_t n, float alpha) {
  switch (op) {
    case UnaryOp::kRelu: Map(x, out, n, [](float v) { return v < 0.0f ? 0.0f : v; }); break;
    case UnaryOp::kRelu6: Map(x, out, n, [](float v) { return v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v); }); break;
    case UnaryOp::kStep: Map(x, out, n, [alpha](float v) { return v != v ? v : (v > 0.0f ? 1.0f : alpha); }); break;
    case UnaryOp::kNeg: Map(x, out, n, [](float v) { return -v; }); break;
    case UnaryOp::kSquare: Map(x, out, n, [](float v) { return v * v; }); break;
    case UnaryOp::kAbs: Map(x, out, n, [](float v) { return std::fabs(v); }); break;
    case UnaryOp::kSqrt: Map(x, out, n, [](float v) { return std::sqrt(v); }); break;
    case UnaryOp::kRsqrt: Map(x, out, n, [](float v) { return 1.0f / std::sqrt(v); }); break;
  }
}

template <typename F>
inline void Zip(const float* a, const float* b, float* out, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
}

template <typename F>
inline void Dispatch(BinaryOp op, F run) {
  switch (op) {
    case BinaryOp::kAdd: run([](float a, float b) { return a + b; }); break;
    case BinaryOp::kSub: run([](float a, float b) { return a - b; }); break;
    case BinaryOp::kMul: run([](float a, float b) { return a * b; }); break;
    case BinaryOp::kDiv: run([](float a, float b) { return a / b; }); break;
    case BinaryOp::kMax: run([](float a, float b) { return Max(a, b); }); break;
    case BinaryOp::kMin: run([](float a, float b) { return Min(a, b); }); break;
    case BinaryOp::kSquaredDiff: run([](float a, float b) { return (a - b) * (a - b); }); break;
  }
}

inline void BinarySame(BinaryOp op, const float* a, const float* b, float* out, int64_t n) {
  Dispatch(op, [&](auto f) { Zip(a, b, out, n, f); });
}

inline void BinaryScalarA(BinaryOp op, float a, const float* b, float* out, int64_t n) {
  Dispatch(op, [&](auto f) {
    for (int64_t i = 0; i < n; ++i) out[i] = f(a, b[i]);
  });
}

inline void BinaryScalarB(BinaryOp op, const float* a, float b, float* out, int64_t n) {
  Dispatch(op, [&](auto f) {
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b);
  });
}

// tfjs's relu / relu6 gradient exactly: dy * mask, mask = 1 where 0 < x <= upper, 0 elsewhere, NaN where x is NaN
// (so an infinite dy times a zero mask is NaN, as in tfjs's mul(dy, step(x))).
inline void ActivationGradLoop(const float* dy, const float* x, float upper, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    float m = (v > 0.0f) ? 1.0f : 0.0f;
    m = (v <= upper) ? m : 0.0f;
    m = (v != v) ? v : m;
    out[i] = dy[i] * m;
  }
}

// tfjs's clipByValue gradient exactly: dy where lower <= x <= upper, 0 elsewhere and where x is NaN (a select, so
// an infinite or NaN dy outside the range still gives 0).
inline void ClipGradLoop(const float* dy, const float* x, float lower, float upper, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    const bool inside = (v >= lower) & (v <= upper);
    out[i] = inside ? dy[i] : 0.0f;
  }
}

}  // namespace amc::eltwise::AMC_ELTWISE_NS
