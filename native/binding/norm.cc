// Binding of the norm family: batchNorm and batchNormGrad (each with its Async twin).
#include "amc/norm.h"
#include "common.h"
#include "norm/f32-norm.h"

namespace amc::binding {
namespace {

Status ParseBatchNorm(Napi::Object o, BatchNormArgs* a) {
  const char* op = "batchNorm";
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "x", true, const_cast<float**>(&a->x), &a->x_length));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "rows", true, &a->rows));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "channels", true, &a->channels));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "gamma", false, const_cast<float**>(&a->gamma), &a->gamma_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "beta", false, const_cast<float**>(&a->beta), &a->beta_length));
  AMC_RETURN_IF_ERROR(ReadFloat(o, op, "epsilon", true, &a->epsilon));
  AMC_RETURN_IF_ERROR(ReadBool(o, op, "training", true, &a->training));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "mean", true, &a->mean, &a->mean_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "variance", true, &a->variance, &a->variance_length));
  AMC_RETURN_IF_ERROR(ReadActivation(o, op, &a->activation));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "out", true, &a->out, &a->out_length));
  return Status::Ok();
}

Status ParseBatchNormGrad(Napi::Object o, BatchNormGradArgs* a) {
  const char* op = "batchNormGrad";
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "dy", true, const_cast<float**>(&a->dy), &a->dy_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "x", true, const_cast<float**>(&a->x), &a->x_length));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "rows", true, &a->rows));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "channels", true, &a->channels));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "gamma", false, const_cast<float**>(&a->gamma), &a->gamma_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "mean", true, const_cast<float**>(&a->mean), &a->mean_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "variance", true, const_cast<float**>(&a->variance), &a->variance_length));
  AMC_RETURN_IF_ERROR(ReadFloat(o, op, "epsilon", true, &a->epsilon));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "dx", true, &a->dx, &a->dx_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "dgamma", true, &a->dgamma, &a->dgamma_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "dbeta", true, &a->dbeta, &a->dbeta_length));
  return Status::Ok();
}

void InitNorm(Napi::Env env, Napi::Object exports) {
  AMC_EXPORT_OP(exports, "batchNorm", BatchNormArgs, ParseBatchNorm, BatchNorm);
  AMC_EXPORT_OP(exports, "batchNormGrad", BatchNormGradArgs, ParseBatchNormGrad, BatchNormGrad);
}

Napi::Array NormInfo(Napi::Env env) {
  int count = 0;
  const norm::Kernels* kernels = norm::KernelTable(&count);
  return VariantList(env, kernels, count, [](Napi::Object, const norm::Kernels&) {});
}

FamilyRegistrar registrar("norm", InitNorm, NormInfo);

}  // namespace
}  // namespace amc::binding
