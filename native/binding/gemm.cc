// Binding of the gemm family: gemm(options) and gemmAsync(options).
#include "amc/gemm.h"
#include "common.h"

namespace amc::binding {
namespace {

Status ParseGemm(Napi::Object o, GemmArgs* a) {
  const char* op = "gemm";
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "a", true, const_cast<float**>(&a->a), &a->a_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "b", true, const_cast<float**>(&a->b), &a->b_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "c", true, &a->c, &a->c_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "bias", false, const_cast<float**>(&a->bias), &a->bias_length));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "m", true, &a->m));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "n", true, &a->n));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "k", true, &a->k));
  AMC_RETURN_IF_ERROR(ReadBool(o, op, "transA", false, &a->trans_a));
  AMC_RETURN_IF_ERROR(ReadBool(o, op, "transB", false, &a->trans_b));
  AMC_RETURN_IF_ERROR(ReadFloat(o, op, "alpha", false, &a->alpha));
  AMC_RETURN_IF_ERROR(ReadFloat(o, op, "beta", false, &a->beta));
  AMC_RETURN_IF_ERROR(ReadActivation(o, op, &a->activation));
  // A bias typed array that is present but empty reads as null; treat it as a length mismatch.
  if (o.Has("bias") && !o.Get("bias").IsUndefined() && !o.Get("bias").IsNull() && a->bias == nullptr && a->n > 0) {
    return ArgError(StatusCode::kShapeMismatch, op, "bias", "length " + std::to_string(a->n), "length 0");
  }
  return Status::Ok();
}

void InitGemm(Napi::Env env, Napi::Object exports) { AMC_EXPORT_OP(exports, "gemm", GemmArgs, ParseGemm, Gemm); }

Napi::Array GemmInfo(Napi::Env env) {
  int count = 0;
  const GemmUkernel* kernels = GemmUkernels(&count);
  return VariantList(env, kernels, count, [](Napi::Object k, const GemmUkernel& v) {
    k.Set("mr", v.mr);
    k.Set("nr", v.nr);
  });
}

FamilyRegistrar registrar("gemm", InitGemm, GemmInfo);

}  // namespace
}  // namespace amc::binding
