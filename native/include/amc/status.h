// Status: how every native op reports failure. Microkernels never fail; ops validate and return a Status;
// only binding/ turns a Status into a JS error carrying the same stable code as @amc/core's ErrorCode.
#pragma once
#include <string>
#include <utility>

namespace amc {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,   // AMC_INVALID_ARGUMENT
  kShapeMismatch,     // AMC_SHAPE_MISMATCH
  kIndexOutOfRange,   // AMC_INDEX_OUT_OF_RANGE
  kNonFinite,         // AMC_NON_FINITE
  kUnsupportedIsa,    // AMC_UNSUPPORTED_ISA
  kUnsupported,       // AMC_UNSUPPORTED
  kNativeFailure,     // AMC_NATIVE_FAILURE (allocation failure, broken invariant)
};

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return Status(); }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// The JS error code string for a status code.
const char* StatusCodeName(StatusCode code);

// Builds "<op>: expected <expected> for <arg> but received <received>".
Status ArgError(StatusCode code, const char* op, const char* arg, const std::string& expected,
                const std::string& received);

#define AMC_RETURN_IF_ERROR(expr)            \
  do {                                       \
    ::amc::Status amc_status_ = (expr);      \
    if (!amc_status_.ok()) return amc_status_; \
  } while (0)

}  // namespace amc
