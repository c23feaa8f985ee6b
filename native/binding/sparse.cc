// Binding of the sparse family: spmm, sparseConv2d, sparseDense, denseToSparseCount, denseToSparseFill (each
// with its Async twin). The sparse matrix travels as a nested plain object
// { format: 0 (csr) | 1 (bcsr), rows, cols, rowPtr: Int32Array, colIdx: Int32Array, values: Float32Array }.
#include "amc/sparse.h"
#include "common.h"

namespace amc::binding {
namespace {

Status ReadFormat(Napi::Object o, const char* op, const char* key, SparseFormat* format) {
  int64_t value = 0;
  AMC_RETURN_IF_ERROR(ReadInt(o, op, key, true, &value));
  if (value != 0 && value != 1) return ArgError(StatusCode::kInvalidArgument, op, key, "0 (csr) or 1 (bcsr)", std::to_string(value));
  *format = static_cast<SparseFormat>(value);
  return Status::Ok();
}

Status ReadSparse(Napi::Object o, const char* op, SparseMatrixView* a) {
  Napi::Value value = o.Get("weights");
  if (!value.IsObject() || value.IsArray() || value.IsTypedArray()) {
    return ArgError(StatusCode::kInvalidArgument, op, "weights", "a sparse matrix object", "another value");
  }
  Napi::Object w = value.As<Napi::Object>();
  AMC_RETURN_IF_ERROR(ReadFormat(w, op, "format", &a->format));
  AMC_RETURN_IF_ERROR(ReadInt(w, op, "rows", true, &a->rows));
  AMC_RETURN_IF_ERROR(ReadInt(w, op, "cols", true, &a->cols));
  AMC_RETURN_IF_ERROR(ReadI32(w, op, "rowPtr", true, const_cast<int32_t**>(&a->row_ptr), &a->row_ptr_length));
  AMC_RETURN_IF_ERROR(ReadI32(w, op, "colIdx", true, const_cast<int32_t**>(&a->col_idx), &a->col_idx_length));
  AMC_RETURN_IF_ERROR(ReadF32(w, op, "values", true, const_cast<float**>(&a->values), &a->values_length));
  return Status::Ok();
}

// A present but empty bias reads as null; reject it when a bias of `expected` values is needed.
Status CheckBiasPresent(Napi::Object o, const char* op, const float* bias, int64_t expected) {
  if (o.Has("bias") && !o.Get("bias").IsUndefined() && !o.Get("bias").IsNull() && bias == nullptr && expected > 0) {
    return ArgError(StatusCode::kShapeMismatch, op, "bias", "length " + std::to_string(expected), "length 0");
  }
  return Status::Ok();
}

Status ParseSpmm(Napi::Object o, SpmmArgs* a) {
  const char* op = "spmm";
  AMC_RETURN_IF_ERROR(ReadSparse(o, op, &a->a));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "b", true, const_cast<float**>(&a->b), &a->b_length));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "n", true, &a->n));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "c", true, &a->c, &a->c_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "bias", false, const_cast<float**>(&a->bias), &a->bias_length));
  AMC_RETURN_IF_ERROR(ReadActivation(o, op, &a->activation));
  AMC_RETURN_IF_ERROR(ReadString(o, op, "ukernel", false, &a->ukernel));
  return CheckBiasPresent(o, op, a->bias, a->a.rows);
}

Status ParseSparseConv2d(Napi::Object o, SparseConv2dArgs* a) {
  const char* op = "sparseConv2d";
  AMC_RETURN_IF_ERROR(ReadConvGeometry(o, op, &a->geometry));
  AMC_RETURN_IF_ERROR(ReadSparse(o, op, &a->weights));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "input", true, const_cast<float**>(&a->input), &a->input_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "output", true, &a->output, &a->output_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "bias", false, const_cast<float**>(&a->bias), &a->bias_length));
  AMC_RETURN_IF_ERROR(ReadActivation(o, op, &a->activation));
  return CheckBiasPresent(o, op, a->bias, a->weights.rows);
}

Status ParseSparseDense(Napi::Object o, SparseDenseArgs* a) {
  const char* op = "sparseDense";
  AMC_RETURN_IF_ERROR(ReadSparse(o, op, &a->weights));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "x", true, const_cast<float**>(&a->x), &a->x_length));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "batch", true, &a->batch));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "y", true, &a->y, &a->y_length));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "bias", false, const_cast<float**>(&a->bias), &a->bias_length));
  AMC_RETURN_IF_ERROR(ReadActivation(o, op, &a->activation));
  return CheckBiasPresent(o, op, a->bias, a->weights.rows);
}

Status ParseDenseToSparse(Napi::Object o, const char* op, bool fill, DenseToSparseArgs* a) {
  AMC_RETURN_IF_ERROR(ReadFormat(o, op, "format", &a->format));
  AMC_RETURN_IF_ERROR(ReadF32(o, op, "dense", true, const_cast<float**>(&a->dense), &a->dense_length));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "rows", true, &a->rows));
  AMC_RETURN_IF_ERROR(ReadInt(o, op, "cols", true, &a->cols));
  AMC_RETURN_IF_ERROR(ReadI32(o, op, "rowPtr", true, &a->row_ptr, &a->row_ptr_length));
  if (fill) {
    AMC_RETURN_IF_ERROR(ReadI32(o, op, "colIdx", true, &a->col_idx, &a->col_idx_length));
    AMC_RETURN_IF_ERROR(ReadF32(o, op, "values", true, &a->values, &a->values_length));
  }
  return Status::Ok();
}
Status ParseCount(Napi::Object o, DenseToSparseArgs* a) { return ParseDenseToSparse(o, "denseToSparseCount", false, a); }
Status ParseFill(Napi::Object o, DenseToSparseArgs* a) { return ParseDenseToSparse(o, "denseToSparseFill", true, a); }

void InitSparse(Napi::Env env, Napi::Object exports) {
  AMC_EXPORT_OP(exports, "spmm", SpmmArgs, ParseSpmm, Spmm);
  AMC_EXPORT_OP(exports, "sparseConv2d", SparseConv2dArgs, ParseSparseConv2d, SparseConv2d);
  AMC_EXPORT_OP(exports, "sparseDense", SparseDenseArgs, ParseSparseDense, SparseDense);
  AMC_EXPORT_OP(exports, "denseToSparseCount", DenseToSparseArgs, ParseCount, DenseToSparseCount);
  AMC_EXPORT_OP(exports, "denseToSparseFill", DenseToSparseArgs, ParseFill, DenseToSparseFill);
}

Napi::Array SpmmInfo(Napi::Env env) {
  int count = 0;
  const SpmmUkernel* kernels = SpmmUkernels(&count);
  return VariantList(env, kernels, count, [](Napi::Object k, const SpmmUkernel& v) {
    k.Set("format", v.format == SparseFormat::kCsr ? "csr" : "bcsr");
    k.Set("mr", v.mr);
  });
}

FamilyRegistrar registrar("spmm", InitSparse, SpmmInfo);

}  // namespace
}  // namespace amc::binding
