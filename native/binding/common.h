// Shared machinery of the binding: the only place (with the binding .cc files) that includes napi.h.
// Every exported function takes one plain options object of typed arrays and numbers, built by the
// @amc/kernels wrappers (never a user's object), parses it into an op's Args struct, runs the op either
// inline (sync) or on a libuv worker (async, returns a Promise), and turns a failed Status into a JS Error
// whose `code` is the Status code name. No C++ exception ever escapes to Node.
#pragma once
#include <napi.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "amc/gemm.h"
#include "amc/isa.h"
#include "amc/status.h"

namespace amc::binding {

// A JS Error with `code` (and `native: true`) for a failed status.
Napi::Error StatusError(Napi::Env env, const Status& status);

// Option readers. Each returns a kInvalidArgument status naming `op` and `key` when the value is missing
// (and required) or of the wrong type. Typed-array readers return the data pointer and element count.
Status ReadF32(Napi::Object obj, const char* op, const char* key, bool required, float** data, int64_t* length);
Status ReadI32(Napi::Object obj, const char* op, const char* key, bool required, int32_t** data, int64_t* length);
Status ReadU8(Napi::Object obj, const char* op, const char* key, bool required, uint8_t** data, int64_t* length);
Status ReadInt(Napi::Object obj, const char* op, const char* key, bool required, int64_t* out);
Status ReadFloat(Napi::Object obj, const char* op, const char* key, bool required, float* out);
Status ReadBool(Napi::Object obj, const char* op, const char* key, bool required, bool* out);
// Reads an array of small integers (e.g. strides) of exactly `count` entries.
Status ReadIntList(Napi::Object obj, const char* op, const char* key, bool required, int count, int64_t* out);
// Reads a string; `out` is left unchanged when the key is absent and not required.
Status ReadString(Napi::Object obj, const char* op, const char* key, bool required, std::string* out);

// Runs a parsed op synchronously or asynchronously. `parse` fills Args from the options object; `run` does
// the work off the JS thread when async. For async ops the options object is kept alive (and with it every
// typed array it holds) until the promise settles; callers must not detach those buffers meanwhile.
template <typename Args>
using ParseFn = Status (*)(Napi::Object options, Args* args);
template <typename Args>
using RunFn = Status (*)(const Args& args);

Napi::Value RunSync(const Napi::CallbackInfo& info, const std::function<Status(Napi::Object)>& parse,
                    const std::function<Status()>& run);
Napi::Value RunAsync(const Napi::CallbackInfo& info, const std::function<Status(Napi::Object)>& parse, std::function<Status()> run);

template <typename Args, ParseFn<Args> Parse, RunFn<Args> Run>
Napi::Value SyncOp(const Napi::CallbackInfo& info) {
  Args args;
  return RunSync(
      info, [&](Napi::Object options) { return Parse(options, &args); }, [&]() { return Run(args); });
}

template <typename Args, ParseFn<Args> Parse, RunFn<Args> Run>
Napi::Value AsyncOp(const Napi::CallbackInfo& info) {
  auto args = std::make_shared<Args>();
  return RunAsync(
      info, [args](Napi::Object options) { return Parse(options, args.get()); },
      [args]() { return Run(*args); });
}

// Registers a pair of exports `name` (sync) and `name + "Async"` (promise).
#define AMC_EXPORT_OP(exports, name, Args, Parse, Run)                                                       \
  do {                                                                                                       \
    (exports).Set(name, Napi::Function::New((exports).Env(), ::amc::binding::SyncOp<Args, Parse, Run>, name)); \
    (exports).Set(name "Async",                                                                              \
                  Napi::Function::New((exports).Env(), ::amc::binding::AsyncOp<Args, Parse, Run>, name "Async")); \
  } while (0)

// Reads the optional `activation` code (0 none, 1 relu, 2 relu6).
Status ReadActivation(Napi::Object obj, const char* op, Activation* out);

// Builds one getInfo().kernels[family] list from a family table: name, isa and availability of every
// variant, plus whatever `extra(object, variant)` adds (tile sizes, format, ...).
template <typename Ukernel, typename Extra>
Napi::Array VariantList(Napi::Env env, const Ukernel* kernels, int count, Extra extra) {
  Napi::Array list = Napi::Array::New(env);
  for (int i = 0; i < count; ++i) {
    Napi::Object k = Napi::Object::New(env);
    k.Set("name", kernels[i].name);
    k.Set("isa", IsaName(kernels[i].isa));
    k.Set("available", IsaSupported(kernels[i].isa));
    extra(k, kernels[i]);
    list.Set(static_cast<uint32_t>(i), k);
  }
  return list;
}

// Families register themselves at load time; addon.cc calls every registered initialiser, and getInfo()
// reports each family's microkernel variants under kernels[name] (name, isa, available, and any extra fields).
using FamilyInit = void (*)(Napi::Env env, Napi::Object exports);
using FamilyInfo = Napi::Array (*)(Napi::Env env);
struct Family {
  const char* name;
  FamilyInit init;
  FamilyInfo info;  // may be null
};
struct FamilyRegistrar {
  FamilyRegistrar(const char* name, FamilyInit init, FamilyInfo info = nullptr);
};
std::vector<Family>& Families();

}  // namespace amc::binding

#include "amc/conv-geometry.h"
namespace amc::binding {
// Reads the Conv2DGeometry fields (camelCase, spread from a Conv2DGeometry by @amc/kernels) and validates them.
Status ReadConvGeometry(Napi::Object obj, const char* op, ConvGeometry* g);
}  // namespace amc::binding
