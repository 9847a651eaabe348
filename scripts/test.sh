#!/usr/bin/env bash
# The one test command: configure, build and run every test (unit and end-to-end).
# README.md and .ci/run both call this script so they cannot drift apart.
# The end-to-end tests start a real service and need root.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSL_WERROR=ON
cmake --build build
ctest --test-dir build --output-on-failure
