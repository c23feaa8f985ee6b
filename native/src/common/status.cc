#include "amc/status.h"

namespace amc {

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "AMC_OK";
    case StatusCode::kInvalidArgument: return "AMC_INVALID_ARGUMENT";
    case StatusCode::kShapeMismatch: return "AMC_SHAPE_MISMATCH";
    case StatusCode::kIndexOutOfRange: return "AMC_INDEX_OUT_OF_RANGE";
    case StatusCode::kNonFinite: return "AMC_NON_FINITE";
    case StatusCode::kUnsupportedIsa: return "AMC_UNSUPPORTED_ISA";
    case StatusCode::kUnsupported: return "AMC_UNSUPPORTED";
    case StatusCode::kNativeFailure: return "AMC_NATIVE_FAILURE";
  }
  return "AMC_NATIVE_FAILURE";
}

Status ArgError(StatusCode code, const char* op, const char* arg, const std::string& expected,
                const std::string& received) {
  return Status(code, std::string(op) + ": expected " + expected + " for " + arg + " but received " + received +
                          " (native check)");
}

}  // namespace amc
