#!/usr/bin/env bash
# The one test command: configure, build and run every test (unit and end-to-end), then run
# each fuzz target briefly (scripts/fuzz.sh --ci). README.md and .ci/run both call this
# script so they cannot drift apart. The end-to-end tests start a real service and need root.
#
#   scripts/test.sh               the normal build in build/, then the fuzz targets
#   scripts/test.sh --sanitize    everything but wsl-init built with ASan and UBSan in
#                                 build-asan/, and the whole ctest suite run against it
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ${1:-} == --sanitize ]]; then
    cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSL_WERROR=ON \
        -DWSL_SANITIZE=ON -DWSL_TEST_HOOKS=ON
    cmake --build build-asan
    # Reports go to stderr and, from every sanitized process that can reach it, to
    # build-asan/sanitizer/<tool>.<pid> (workers and distros start with a clean environment
    # and use the defaults). A UBSan report stops the process (-fno-sanitize-recover).
    logs=$PWD/build-asan/sanitizer
    rm -rf "$logs" && mkdir -p "$logs" && chmod 1777 "$logs"
    export ASAN_OPTIONS=${ASAN_OPTIONS:-log_path=$logs/asan:detect_leaks=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-log_path=$logs/ubsan:print_stacktrace=1}
    rc=0
    ctest --test-dir build-asan --output-on-failure || rc=$?
    if compgen -G "$logs/*" >/dev/null; then
        echo "test.sh: sanitizer reports in $logs:"
        grep -h -m3 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$logs"/* | sort | uniq -c
        rc=1
    fi
    exit $rc
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSL_WERROR=ON -DWSL_TEST_HOOKS=ON
cmake --build build
ctest --test-dir build --output-on-failure
scripts/fuzz.sh --ci
