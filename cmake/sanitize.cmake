# WSL_SANITIZE and WSL_FUZZ. Both instrument libwsl, and through its usage requirements every
# program linking it (wsl, wslservice, unit_tests). wsl-init does not link libwsl: it is fully
# static, and the sanitizer runtimes cannot be linked statically, so it always stays plain.

if(WSL_SANITIZE AND WSL_FUZZ)
  message(FATAL_ERROR "WSL_SANITIZE and WSL_FUZZ are separate build configurations")
endif()

if(WSL_SANITIZE)
  # No vptr check: it needs a pipe() for each check, and the fault tests leave the service
  # without descriptors on purpose (a false "invalid vptr" then).
  set(WSL_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize=vptr -fno-omit-frame-pointer
                         -fno-sanitize-recover=undefined)
  target_compile_options(libwsl PUBLIC ${WSL_SANITIZE_FLAGS})
  # Debian's gcc drops its default --as-needed with -fsanitize: put it back, so a program
  # links only the libraries it uses, as in the normal build (install.sh checks wslservice
  # links no HTTP or TLS code).
  target_link_options(libwsl INTERFACE ${WSL_SANITIZE_FLAGS} -Wl,--as-needed)
  # Leak checking off in chrooted workers, where LeakSanitizer cannot work (see the file).
  target_sources(wslservice PRIVATE ${CMAKE_SOURCE_DIR}/tests/sanitize/wslservice_options.cpp)
endif()

if(WSL_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "WSL_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  # Coverage instrumentation without libFuzzer's main for the library; the targets add
  # -fsanitize=fuzzer themselves. A UBSan report stops the run, so libFuzzer records it.
  set(WSL_FUZZ_LIB_FLAGS -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                         -fno-sanitize-recover=undefined)
  target_compile_options(libwsl PRIVATE ${WSL_FUZZ_LIB_FLAGS})
  target_link_options(libwsl INTERFACE -fsanitize=address,undefined)
  add_subdirectory(tests/fuzz)
endif()
