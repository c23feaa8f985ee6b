#!/usr/bin/env bash
# Builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer into native/build-asan and runs the
# kernel tests against it. Node itself is not instrumented, so libasan is preloaded; leak checking is off
# because V8 keeps allocations alive until exit. Any ASan or UBSan report fails the run.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root/native"
npx cmake-js compile --out build-asan --CDCMAKE_BUILD_TYPE=RelWithDebInfo --CDAMC_SANITIZE=ON --parallel 2 --log-level warn
asan_lib="$(g++ -print-file-name=libasan.so)"
ubsan_lib="$(g++ -print-file-name=libubsan.so)"
log_dir="$(mktemp -d)"
export AMC_NATIVE_PATH="$(find "$root/native/build-asan" -name amc_native.node | head -n 1)"
[ -n "$AMC_NATIVE_PATH" ] || { echo "sanitize: no amc_native.node under native/build-asan"; exit 1; }
symbols="$(nm -D "$AMC_NATIVE_PATH")"
[[ "$symbols" == *__asan_init* ]] || { echo "sanitize: $AMC_NATIVE_PATH is not instrumented"; exit 1; }
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:log_path=$log_dir/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$log_dir/ubsan"
export AMC_SANITIZED=1
cd "$root/packages/kernels"
LD_PRELOAD="$asan_lib $ubsan_lib" npx vitest run --reporter=dot
if compgen -G "$log_dir/*" >/dev/null; then
  echo "sanitizer reports:"; cat "$log_dir"/*; exit 1
fi
echo "sanitizers: no reports"
