// Binding of the eltwise family: unary, binary, activationGrad (each with its Async twin).
#include <string>

#include "amc/eltwise.h"
#include "common.h"

namespace amc::binding {
namespace {

Status ReadOp(Napi::Object o, const char* op, int count, int* out) {
  int64_t code = -1;
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "op", true, &code));
  if (code < 0 || code >= count) {
    return ArgError(StatusCode::kInvalidArgument, op, "op", "0.." + std::to_string(count - 1), std::to_string(code));
  }
  *out = static_cast<int>(code);
  return Status::Ok();
}

Status ParseUnary(Napi::Object o, UnaryArgs* a) {
  const char* op = "unary";
  int code = 0;
  AMC_RETURN_IF_ERROR(ReadOp(o, op, kUnaryOpCount, &code));
  a->op = static_cast<UnaryOp>(code);
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "x", true, const_cast<float**>(&a->x), &a->x_length));
  AMC_RETURN_IF_ERROR(ReadFloat(o, op, "alpha", false, &a->alpha));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "out", true, &a->out, &a->out_length));
  return Status::Ok();
}

Status ParseBinary(Napi::Object o, BinaryArgs* a) {
  const char* op = "binary";
  int code = 0;
  AMC_RETURN_IF_ERROR(ReadOp(o, op, kBinaryOpCount, &code));
  a->op = static_cast<BinaryOp>(code);
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "a", true, const_cast<float**>(&a->a), &a->a_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "b", true, const_cast<float**>(&a->b), &a->b_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "out", true, &a->out, &a->out_length));
  return Status::Ok();
}

Status ParseActivationGrad(Napi::Object o, ActivationGradArgs* a) {
  const char* op = "activationGrad";
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "dy", true, const_cast<float**>(&a->dy), &a->dy_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "x", true, const_cast<float**>(&a->x), &a->x_length));
  AMC_RETURN_IF_ERROR(ReadFloat(o, op, "upper", true, &a->upper));
  AMC_RETURN_IF_ERROR(ReadFloat(o, op, "lower", false, &a->lower));
  AMC_RETURN_IF_ERROR(ReadBool(o, op, "clip", false, &a->clip));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "out", true, &a->out, &a->out_length));
  return Status::Ok();
}

void InitEltwise(Napi::Env env, Napi::Object exports) {
  AMC_EXPORT_OP(exports, "unary", UnaryArgs, ParseUnary, Unary);
  AMC_EXPORT_OP(exports, "binary", BinaryArgs, ParseBinary, Binary);
  AMC_EXPORT_OP(exports, "activationGrad", ActivationGradArgs, ParseActivationGrad, ActivationGrad);
}

Napi::Array EltwiseInfo(Napi::Env env) {
  int count = 0;
  const eltwise::Kernels* kernels = eltwise::KernelTable(&count);
  return VariantList(env, kernels, count, [](Napi::Object, const eltwise::Kernels&) {});
}

FamilyRegistrar registrar("eltwise", InitEltwise, EltwiseInfo);

}  // namespace
}  // namespace amc::binding
