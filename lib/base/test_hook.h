#pragma once

namespace wsl {

// A named phase of an operation ("import.created", ...). In a test build (WSL_TEST_HOOKS),
// a service started with WSL_TEST_PAUSE_AT=<phase> writes the phase's name to the file
// $WSL_TEST_PAUSE_MARK when a request reaches it and then waits there forever, so that a test
// can kill the service at exactly that point; with WSL_TEST_PAUSE_RELEASE=<file> it goes on
// once that file exists. In any other build this is nothing at all.
#ifdef WSL_TEST_HOOKS
void test_phase(const char* name);
#else
inline void test_phase(const char*) {}
#endif

} // namespace wsl
