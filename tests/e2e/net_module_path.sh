#!/usr/bin/env bash
# The client loads its download module (wsl-net.so) only from beside itself or ../lib/wsl
# from itself, by absolute path: where it cannot learn its own path (no /proc), it loads
# nothing, rather than a relative lib/wsl/wsl-net.so from the working directory, which may be
# another user's.
source "$(dirname "$0")/lib.sh"

command -v cc >/dev/null || skip_all "no C compiler to build the planted module"
command -v unshare >/dev/null || skip_all "no unshare"
# ASan finds the main thread's stack in /proc/self/maps: without /proc it reports false errors.
asan_build "$WSL_BIN" && skip_all "an ASan build cannot run without /proc (the normal build runs this)"
DIR=$(fresh_dir cwd)
mkdir -p "$DIR/lib/wsl" "$DIR/home"
printf '#include <stdio.h>\n__attribute__((constructor)) static void planted(void) {\n  FILE *f = fopen("%s/LOADED", "w"); if (f) fclose(f);\n}\n' "$DIR" >"$T/planted.c"
cc -shared -fPIC -o "$DIR/lib/wsl/wsl-net.so" "$T/planted.c" || die "cannot build the planted module"
# A list URL makes `wsl -l -o` download (nothing listens there: the module is what counts).
printf '[general]\ndistributionListUrl=http://127.0.0.1:9/list.json\n' >"$DIR/home/.wslconfig"

run unshare --mount --fork sh -c 'mount -t tmpfs none /proc && cd "$1" &&
    HOME="$1/home" WSL_SERVICE_SOCKET=/nonexistent "$2" -l -o' sh "$DIR" "$WSL_BIN" </dev/null
assert_ne "without /proc, wsl -l -o with a list URL fails" 0 "$RC"
assert_contains "  ...saying it cannot find its own path" "$ERR" "cannot find its own path"
check "  ...and never loads a wsl-net.so from the working directory" not test -e "$DIR/LOADED"
finish
