// Binding of the prune family: magnitudePrune, topKIndices, channelImportance, leastSquares (each with its
// Async twin). magnitudePrune also serves magnitudeThreshold (no `out`, no `mask`).
#include <string>

#include "amc/prune.h"
#include "common.h"
#include "prune/f64-linalg.h"

namespace amc::binding {
namespace {

// A Float64Array reader (common.h has none; only this family returns doubles).
Status ReadF64(Napi::Object obj, const char* op, const char* key, double** data, int64_t* length) {
  Napi::Value value = obj.Get(key);
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    return ArgError(StatusCode::kInvalidArgument, op, key, "a Float64Array", "another value");
  }
  Napi::TypedArray array = value.As<Napi::TypedArray>();
  Napi::ArrayBuffer buffer = array.ArrayBuffer();
  if (buffer.ByteLength() < array.ByteOffset() + array.ByteLength()) {
    return Status(StatusCode::kInvalidArgument, std::string(op) + ": " + key + " is detached or out of bounds");
  }
  *length = static_cast<int64_t>(array.ElementLength());
  *data = *length == 0 ? nullptr : reinterpret_cast<double*>(static_cast<uint8_t*>(buffer.Data()) + array.ByteOffset());
  return Status::Ok();
}

// An optional typed array that is present but empty reads as null: reject it unless empty is what is expected.
Status CheckPresentNotEmpty(Napi::Object o, const char* op, const char* key, const void* data, int64_t expected) {
  if (data == nullptr && expected > 0 && o.Has(key) && !o.Get(key).IsUndefined() && !o.Get(key).IsNull()) {
    return ArgError(StatusCode::kShapeMismatch, op, key, "length " + std::to_string(expected), "length 0");
  }
  return Status::Ok();
}

Status ParseMagnitude(Napi::Object o, MagnitudeArgs* a) {
  const char* op = "magnitudePrune";
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "weights", true, const_cast<float**>(&a->weights), &a->length));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "keep", true, &a->keep));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "threshold", false, &a->threshold, &a->threshold_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "out", false, &a->out, &a->out_length));
  AMC_RETURN_IF_ERROR(ReadU8(o, op, "mask", false, &a->mask, &a->mask_length));
  AMC_RETURN_IF_ERROR(CheckPresentNotEmpty(o, op, "threshold", a->threshold, 1));
  AMC_RETURN_IF_ERROR(CheckPresentNotEmpty(o, op, "out", a->out, a->length));
  AMC_RETURN_IF_ERROR(CheckPresentNotEmpty(o, op, "mask", a->mask, a->length));
  return Status::Ok();
}

Status ParseTopK(Napi::Object o, TopKArgs* a) {
  const char* op = "topKIndices";
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "scores", true, const_cast<float**>(&a->scores), &a->length));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "keep", true, &a->keep));
  AMC_RETURN_IF_ERROR(ReadI32(o, op, "out", true, &a->out, &a->out_length));
  return Status::Ok();
}

Status ParseImportance(Napi::Object o, ChannelImportanceArgs* a) {
  const char* op = "channelImportance";
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "weights", true, const_cast<float**>(&a->weights), &a->length));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "outer", true, &a->outer));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "channels", true, &a->channels));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "inner", true, &a->inner));
  int64_t norm = 1;
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "norm", false, &norm));
  if (norm != 1 && norm != 2) {
    return ArgError(StatusCode::kInvalidArgument, op, "norm", "1 (L1) or 2 (L2)", std::to_string(norm));
  }
  a->norm = static_cast<ImportanceNorm>(norm);
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "out", true, &a->out, &a->out_length));
  return Status::Ok();
}

// The op's arguments plus where its scalar results go: info = [solver (1 cholesky, 2 eigen), ridge, residual,
// rank].
struct LstsqCall {
  LeastSquaresArgs args;
  double* info = nullptr;
  LstsqSolver solver_used = LstsqSolver::kAuto;
  double ridge_used = 0.0;
  double residual = 0.0;
  int64_t rank = 0;
};

Status ParseLstsq(Napi::Object o, LstsqCall* c) {
  const char* op = "leastSquares";
  LeastSquaresArgs* a = &c->args;
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "x", true, const_cast<float**>(&a->x), &a->x_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "y", true, const_cast<float**>(&a->y), &a->y_length));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "rows", true, &a->rows));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "cols", true, &a->cols));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "outs", true, &a->outs));
  if (o.Has("ridge") && !o.Get("ridge").IsUndefined()) {
    Napi::Value ridge = o.Get("ridge");
    if (!ridge.IsNumber()) return ArgError(StatusCode::kInvalidArgument, op, "ridge", "a number", "another value");
    a->has_ridge = true;
    a->ridge = ridge.As<Napi::Number>().DoubleValue();
  }
  int64_t solver = 0;
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "solver", false, &solver));
  if (solver < 0 || solver > 2) {
    return ArgError(StatusCode::kInvalidArgument, op, "solver", "0 (auto), 1 (cholesky) or 2 (eigen)",
                    std::to_string(solver));
  }
  a->solver = static_cast<LstsqSolver>(solver);
  AMC_RETURN_IF_ERROR(ReadBool(o, op, "fitIntercept", false, &a->fit_intercept));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "weights", true, &a->weights, &a->weights_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "intercept", a->fit_intercept, &a->intercept, &a->intercept_length));
  int64_t info_length = 0;
  AMC_RETURN_IF_ERROR(ReadF64(o, op, "info", &c->info, &info_length));
  if (info_length != 4) {
    return ArgError(StatusCode::kShapeMismatch, op, "info", "length 4", "length " + std::to_string(info_length));
  }
  a->solver_used = &c->solver_used;
  a->ridge_used = &c->ridge_used;
  a->residual = &c->residual;
  a->rank = &c->rank;
  return Status::Ok();
}

Status RunLstsq(const LstsqCall& c) {
  AMC_RETURN_IF_ERROR(LeastSquares(c.args));
  c.info[0] = static_cast<double>(static_cast<int>(c.solver_used));
  c.info[1] = c.ridge_used;
  c.info[2] = c.residual;
  c.info[3] = static_cast<double>(c.rank);
  return Status::Ok();
}

void InitPrune(Napi::Env env, Napi::Object exports) {
  AMC_EXPORT_OP(exports, "magnitudePrune", MagnitudeArgs, ParseMagnitude, MagnitudePrune);
  AMC_EXPORT_OP(exports, "topKIndices", TopKArgs, ParseTopK, TopKIndices);
  AMC_EXPORT_OP(exports, "channelImportance", ChannelImportanceArgs, ParseImportance, ChannelImportance);
  AMC_EXPORT_OP(exports, "leastSquares", LstsqCall, ParseLstsq, RunLstsq);
}

// getInfo().kernels.prune: the f64 vector kernels of the least-squares solver (its float products run on the
// gemm family's microkernels).
Napi::Array PruneInfo(Napi::Env env) {
  int count = 0;
  const linalg::F64Kernels* kernels = linalg::F64KernelTable(&count);
  return VariantList(env, kernels, count, [](Napi::Object, const linalg::F64Kernels&) {});
}

FamilyRegistrar registrar("prune", InitPrune, PruneInfo);

}  // namespace
}  // namespace amc::binding
