#include "common.h"

#include <exception>
#include <memory>
#include <new>

namespace amc::binding {

std::vector<Family>& Families() {
  static std::vector<Family> families;
  return families;
}

FamilyRegistrar::FamilyRegistrar(const char* name, FamilyInit init, FamilyInfo info) {
  Families().push_back(Family{name, init, info});
}

Status ReadActivation(Napi::Object obj, const char* op, Activation* out) {
  int64_t act = 0;
  AMC_RETURN_IF_ERROR(ReadInt(obj, op, "activation", false, &act));
  if (act < 0 || act > 2) {
    return ArgError(StatusCode::kInvalidArgument, op, "activation", "0, 1 or 2", std::to_string(act));
  }
  *out = static_cast<Activation>(act);
  return Status::Ok();
}

Napi::Error StatusError(Napi::Env env, const Status& status) {
  Napi::Error error = Napi::Error::New(env, status.message());
  error.Value().Set("code", Napi::String::New(env, StatusCodeName(status.code())));
  error.Value().Set("native", Napi::Boolean::New(env, true));
  return error;
}

namespace {

Status Missing(const char* op, const char* key, const char* expected, const Napi::Value& value) {
  std::string received = value.IsUndefined() ? "undefined" : value.IsNull() ? "null" : value.IsNumber() ? "a number"
                        : value.IsString()   ? "a string"
                        : value.IsBoolean()  ? "a boolean"
                        : value.IsTypedArray() ? "another typed array"
                        : value.IsArray()      ? "an array"
                                               : "an object";
  return ArgError(StatusCode::kInvalidArgument, op, key, expected, received);
}

template <typename T>
Status ReadTyped(Napi::Object obj, const char* op, const char* key, bool required, napi_typedarray_type type,
                 const char* expected, T** data, int64_t* length) {
  Napi::Value value = obj.Get(key);
  if (value.IsUndefined() || value.IsNull()) {
    if (required) return Missing(op, key, expected, value);
    *data = nullptr;
    *length = 0;
    return Status::Ok();
  }
  if (!value.IsTypedArray()) return Missing(op, key, expected, value);
  // The raw call gives the element pointer for ArrayBuffer- and SharedArrayBuffer-backed arrays alike; a
  // detached buffer reports length 0.
  napi_typedarray_type actual;
  size_t count = 0;
  void* raw = nullptr;
  napi_value backing;
  size_t byte_offset = 0;
  if (napi_get_typedarray_info(obj.Env(), value, &actual, &count, &raw, &backing, &byte_offset) != napi_ok) {
    return Status(StatusCode::kInvalidArgument, std::string(op) + ": cannot read typed array " + key);
  }
  if (actual != type) return Missing(op, key, expected, value);
  *length = static_cast<int64_t>(count);
  *data = count == 0 ? nullptr : static_cast<T*>(raw);
  return Status::Ok();
}

}  // namespace

Status ReadF32(Napi::Object obj, const char* op, const char* key, bool required, float** data, int64_t* length) {
  return ReadTyped(obj, op, key, required, napi_float32_array, "a Float32Array", data, length);
}
Status ReadI32(Napi::Object obj, const char* op, const char* key, bool required, int32_t** data, int64_t* length) {
  return ReadTyped(obj, op, key, required, napi_int32_array, "an Int32Array", data, length);
}
Status ReadU8(Napi::Object obj, const char* op, const char* key, bool required, uint8_t** data, int64_t* length) {
  return ReadTyped(obj, op, key, required, napi_uint8_array, "a Uint8Array", data, length);
}

Status ReadInt(Napi::Object obj, const char* op, const char* key, bool required, int64_t* out) {
  Napi::Value value = obj.Get(key);
  if (value.IsUndefined() && !required) return Status::Ok();
  if (!value.IsNumber()) return Missing(op, key, "an integer", value);
  double d = value.As<Napi::Number>().DoubleValue();
  if (!(d == static_cast<double>(static_cast<int64_t>(d))) || d < -9.0e15 || d > 9.0e15) {
    return ArgError(StatusCode::kInvalidArgument, op, key, "an integer", std::to_string(d));
  }
  *out = static_cast<int64_t>(d);
  return Status::Ok();
}

Status ReadFloat(Napi::Object obj, const char* op, const char* key, bool required, float* out) {
  Napi::Value value = obj.Get(key);
  if (value.IsUndefined() && !required) return Status::Ok();
  if (!value.IsNumber()) return Missing(op, key, "a number", value);
  *out = static_cast<float>(value.As<Napi::Number>().DoubleValue());
  return Status::Ok();
}

Status ReadBool(Napi::Object obj, const char* op, const char* key, bool required, bool* out) {
  Napi::Value value = obj.Get(key);
  if (value.IsUndefined() && !required) return Status::Ok();
  if (!value.IsBoolean()) return Missing(op, key, "a boolean", value);
  *out = value.As<Napi::Boolean>().Value();
  return Status::Ok();
}

Status ReadIntList(Napi::Object obj, const char* op, const char* key, bool required, int count, int64_t* out) {
  Napi::Value value = obj.Get(key);
  if (value.IsUndefined() && !required) return Status::Ok();
  if (!value.IsArray()) return Missing(op, key, "an array of integers", value);
  Napi::Array array = value.As<Napi::Array>();
  if (static_cast<int>(array.Length()) != count) {
    return ArgError(StatusCode::kInvalidArgument, op, key, "an array of " + std::to_string(count) + " integers",
                    "an array of length " + std::to_string(array.Length()));
  }
  for (int i = 0; i < count; ++i) {
    Napi::Value v = array.Get(static_cast<uint32_t>(i));
    if (!v.IsNumber()) return Missing(op, key, "an array of integers", v);
    double d = v.As<Napi::Number>().DoubleValue();
    if (!(d == static_cast<double>(static_cast<int64_t>(d))) || d < -9.0e15 || d > 9.0e15) {
      return ArgError(StatusCode::kInvalidArgument, op, key, "an array of integers", std::to_string(d));
    }
    out[i] = static_cast<int64_t>(d);
  }
  return Status::Ok();
}

Status ReadString(Napi::Object obj, const char* op, const char* key, bool required, std::string* out) {
  Napi::Value value = obj.Get(key);
  if (value.IsUndefined() && !required) return Status::Ok();
  if (!value.IsString()) return Missing(op, key, "a string", value);
  *out = value.As<Napi::String>().Utf8Value();
  return Status::Ok();
}

namespace {

Status GuardedRun(const std::function<Status()>& run) {
  try {
    return run();
  } catch (const std::bad_alloc&) {
    return Status(StatusCode::kNativeFailure, "out of memory");
  } catch (const std::exception& e) {
    return Status(StatusCode::kNativeFailure, std::string("native exception: ") + e.what());
  } catch (...) {
    return Status(StatusCode::kNativeFailure, "unknown native exception");
  }
}

Status ParseOptions(const Napi::CallbackInfo& info, const std::function<Status(Napi::Object)>& parse) {
  if (info.Length() < 1 || !info[0].IsObject() || info[0].IsArray() || info[0].IsTypedArray()) {
    return Status(StatusCode::kInvalidArgument, "expected one options object as the only argument");
  }
  return GuardedRun([&]() { return parse(info[0].As<Napi::Object>()); });
}

class OpWorker : public Napi::AsyncWorker {
 public:
  OpWorker(Napi::Env env, Napi::Object options, std::function<Status()> run)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), run_(std::move(run)) {
    options_ = Napi::Persistent(options);
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override { status_ = GuardedRun(run_); }
  void OnOK() override {
    Napi::HandleScope scope(Env());
    options_.Reset();
    if (status_.ok()) {
      deferred_.Resolve(Env().Undefined());
    } else {
      deferred_.Reject(StatusError(Env(), status_).Value());
    }
  }
  void OnError(const Napi::Error& error) override {
    options_.Reset();
    deferred_.Reject(error.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference options_;
  std::function<Status()> run_;
  Status status_;
};

}  // namespace

Napi::Value RunSync(const Napi::CallbackInfo& info, const std::function<Status(Napi::Object)>& parse,
                    const std::function<Status()>& run) {
  Napi::Env env = info.Env();
  Status status = ParseOptions(info, parse);
  if (status.ok()) status = GuardedRun(run);
  if (!status.ok()) StatusError(env, status).ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value RunAsync(const Napi::CallbackInfo& info, const std::function<Status(Napi::Object)>& parse, std::function<Status()> run) {
  Napi::Env env = info.Env();
  Status status = ParseOptions(info, parse);
  if (!status.ok()) {
    auto deferred = Napi::Promise::Deferred::New(env);
    deferred.Reject(StatusError(env, status).Value());
    return deferred.Promise();
  }
  auto* worker = new OpWorker(env, info[0].As<Napi::Object>(), std::move(run));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace amc::binding

namespace amc::binding {

Status ReadConvGeometry(Napi::Object obj, const char* op, ConvGeometry* g) {
  const struct {
    const char* key;
    int64_t* field;
  } fields[] = {
      {"batch", &g->batch},         {"inHeight", &g->in_h},         {"inWidth", &g->in_w},
      {"inChannels", &g->in_c},     {"kernelHeight", &g->kernel_h}, {"kernelWidth", &g->kernel_w},
      {"strideHeight", &g->stride_h}, {"strideWidth", &g->stride_w}, {"dilationHeight", &g->dilation_h},
      {"dilationWidth", &g->dilation_w}, {"padTop", &g->pad_top},   {"padBottom", &g->pad_bottom},
      {"padLeft", &g->pad_left},    {"padRight", &g->pad_right},    {"outHeight", &g->out_h},
      {"outWidth", &g->out_w},
  };
  for (const auto& f : fields) AMC_RETURN_IF_ERROR(ReadInt(obj, op, f.key, true, f.field));
  return ValidateConvGeometry(op, *g);
}

}  // namespace amc::binding
