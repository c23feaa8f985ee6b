// Module entry: runtime information and settings, plus every registered kernel family.
#include <napi.h>

#include "amc/isa.h"
#include "amc/thread-pool.h"
#include "common.h"

namespace amc::binding {
namespace {

Napi::Value GetInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  Napi::Array supported = Napi::Array::New(env);
  uint32_t index = 0;
  for (int i = 0; i < kIsaCount; ++i) {
    if (IsaSupported(static_cast<Isa>(i))) supported.Set(index++, IsaName(static_cast<Isa>(i)));
  }
  result.Set("supportedIsas", supported);
  result.Set("detectedIsa", IsaName(DetectedIsa()));
  result.Set("isaCap", IsaName(IsaCap()));
  result.Set("numThreads", NumThreads());
  result.Set("napiVersion", NAPI_VERSION);
  Napi::Object families = Napi::Object::New(env);
  for (const auto& family : Families()) {
    if (family.info != nullptr) families.Set(family.name, family.info(env));
  }
  result.Set("kernels", families);
  return result;
}

Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Isa isa;
  if (info.Length() < 1 || !info[0].IsString() || !ParseIsa(info[0].As<Napi::String>().Utf8Value().c_str(), &isa)) {
    StatusError(env, Status(StatusCode::kInvalidArgument,
                            "setIsa: expected \"scalar\", \"avx2\" or \"avx512\" for isa (native check)"))
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (!SetIsaCap(isa)) {
    StatusError(env, Status(StatusCode::kUnsupportedIsa,
                            std::string("setIsa: ") + IsaName(isa) + " is not supported by this CPU (native check)"))
        .ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber() || !SetNumThreads(info[0].As<Napi::Number>().Int32Value()) ||
      info[0].As<Napi::Number>().DoubleValue() != info[0].As<Napi::Number>().Int32Value()) {
    StatusError(env, Status(StatusCode::kInvalidArgument,
                            "setNumThreads: expected an integer in [1, 256] for n (native check)"))
        .ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("getInfo", Napi::Function::New(env, GetInfo, "getInfo"));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa, "setIsa"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetThreads, "setNumThreads"));
  for (const auto& family : Families()) family.init(env, exports);
  return exports;
}

}  // namespace
}  // namespace amc::binding

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return amc::binding::Init(env, exports); }
NODE_API_MODULE(amc_native, InitModule)
