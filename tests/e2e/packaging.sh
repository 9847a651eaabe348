#!/usr/bin/env bash
# Packaging: `cmake --install --prefix` lays out bin/, lib/wsl, share/man, the completions and
# lib/systemd/system, and the installed tree works where it lies (wslservice finds wsl-init in
# ../lib/wsl: import and run a command). CPack's .deb has the expected control fields and a
# Depends that names the package of every shared library the programs load, each satisfied
# here; installed with dpkg into a scratch root it puts every file in place, man finds the
# pages, each shell loads its completion from there, and removing it leaves nothing.
source "$(dirname "$0")/lib.sh"

BUILD=$(dirname "$WSL_BIN")
[[ -f $BUILD/CPackConfig.cmake ]] || skip_all "no CPackConfig.cmake beside $WSL_BIN"
command -v dpkg-deb >/dev/null || skip_all "needs dpkg-deb"
SRC=$T/rootfs.tar
mk_rootfs_tar "$SRC"

FILES=(bin/wsl bin/wslservice lib/wsl/wsl-init lib/wsl/wsl-net.so
    share/man/man1/wsl.1.gz share/man/man8/wslservice.8.gz share/man/man5/wsl.conf.5.gz
    share/man/man5/wslconfig.5.gz share/man/man5/wsl-distribution.conf.5.gz
    share/bash-completion/completions/wsl share/fish/vendor_completions.d/wsl.fish
    lib/systemd/system/wslservice.socket lib/systemd/system/wslservice.service)

# has_layout ROOT ZSHDIR: every file of FILES under ROOT, and _wsl in share/zsh/ZSHDIR (zsh
# looks in vendor-completions under /usr, site-functions elsewhere); prints what is missing.
has_layout() {
    local f missing=""
    for f in "${FILES[@]}" "share/zsh/$2/_wsl"; do [[ -f $1/$f ]] || missing+=" $f"; done
    [[ -z $missing ]] || echo "missing:$missing"
}

# ---------------------------------------------------------------------------------------
# cmake --install --prefix

PREFIX=$T/prefix
expect_ok "cmake --install --prefix" cmake --install "$BUILD" --prefix "$PREFIX"
assert_eq "  ...lays out every file" "" "$(has_layout "$PREFIX" site-functions)"
assert_eq "  ...programs are executable" "" \
    "$(for f in bin/wsl bin/wslservice lib/wsl/wsl-init; do [[ -x $PREFIX/$f ]] || echo "$f"; done)"
assert_eq "  ...the unit runs the installed wslservice" \
    "ExecStart=$PREFIX/bin/wslservice --state-dir /var/lib/wsl --idle-timeout 60" \
    "$(grep '^ExecStart=' "$PREFIX/lib/systemd/system/wslservice.service")"
for page in wsl.1 wslservice.8 wsl.conf.5 wslconfig.5 wsl-distribution.conf.5; do
    sec=${page##*.}
    assert_eq "  ...man$sec/$page.gz is man/$page, gzipped" "$(sha256sum <"$WSL_SRC/man/$page")" \
        "$(gzip -dc "$PREFIX/share/man/man$sec/$page.gz" | sha256sum)"
done

# The installed tree works where it lies.
export WSL_SERVICE_SOCKET=$T/prefix.sock
SERVICE_LOG=$T/service.prefix.log
"$PREFIX/bin/wslservice" --socket "$T/prefix.sock" --state-dir "$T/prefix-state" >>"$SERVICE_LOG" 2>&1 &
SERVICE_PID=$!
SERVICE_PIDS+=("$SERVICE_PID")
wait_until 10 can_connect "$T/prefix.sock" || die "the installed wslservice did not start" "$(cat "$SERVICE_LOG")"
IWSL() { timeout -k 5 "$WSL_TIMEOUT" "$PREFIX/bin/wsl" "$@"; }
expect_ok "the installed wsl imports through the installed service" \
    IWSL --import Pkg "$(fresh_dir pkg)" "$SRC"
if require_runnable "$SRC.src" 2>/dev/null; then
    expect_ok "  ...and runs a command (wsl-init found in ../lib/wsl)" IWSL -d Pkg -- echo hello </dev/null
    assert_eq "  ...its output" hello "$OUT"
fi
# A file:// catalog is read by the download module, which the installed wsl finds in ../lib/wsl.
mkdir -p "$T/pkg-home"
printf '[general]\ndistributionListUrl = file://%s\n' "$T/pkg-catalog.json" >"$T/pkg-home/.wslconfig"
printf '{"ModernDistributions": {"Pkg": [{"Name": "pkg-online", "FriendlyName": "Pkg Online", "Default": true, "Amd64Url": {"Url": "file:///nonexistent.wsl", "Sha256": "00"}}]}}\n' \
    >"$T/pkg-catalog.json"
HOME=$T/pkg-home expect_ok "the installed wsl loads its download module (a file:// catalog)" IWSL -l -o
assert_contains "  ...and lists it" "$OUT" "pkg-online"
kill_service TERM

# ---------------------------------------------------------------------------------------
# the .deb

PKG_DIR=$T/pkg
expect_ok "cpack builds a .deb" cpack --config "$BUILD/CPackConfig.cmake" -B "$PKG_DIR"
DEB=$(ls "$PKG_DIR"/*.deb 2>/dev/null | head -n 1)
[[ -f $DEB ]] || die "no .deb in $PKG_DIR" "$OUT$ERR"
field() { dpkg-deb -f "$DEB" "$1"; }
assert_eq "Package" wsl-for-linux "$(field Package)"
assert_eq "Version is the project's" "$("$WSL_BIN" --version | sed -n 's/^wsl for Linux version: //p')" \
    "$(field Version)"
assert_eq "Architecture" "$(dpkg --print-architecture)" "$(field Architecture)"
assert_ne "a Maintainer" "" "$(field Maintainer)"
assert_ne "a Description" "" "$(field Description)"

# Depends: the package of every shared library wsl and wslservice link (NEEDED), nothing
# unsatisfied.
DEPENDS=$(field Depends)
dep_names=$(tr ',' '\n' <<<"$DEPENDS" | sed 's/^ *//; s/[ (].*//' | sort -u)
needed=""
libs=$(for b in "$BUILD/wsl" "$BUILD/wslservice" "$BUILD/wsl-net.so"; do
    for so in $(objdump -p "$b" | awk '$1 == "NEEDED" {print $2}'); do
        ldd "$b" | awk -v so="$so" '$1 == so && $3 ~ /^\// {print $3}'
    done
done | sort -u)
[[ -n $libs ]] || not_ok "found the programs' shared libraries" "$(objdump -p "$BUILD/wsl" | head)"
for lib in $libs; do
    real=$(readlink -f "$lib")
    owner=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$real" 2>/dev/null || dpkg -S "/usr$real" 2>/dev/null)
    owner=${owner%%:*}
    [[ -n $owner ]] && needed+="$owner"$'\n'
done
needed=$(sort -u <<<"$needed" | grep .)
[[ -n $needed ]] || not_ok "found the packages of the programs' libraries" "$(ldd "$BUILD/wsl")"
assert_eq "Depends names the package of every library the programs load" "" \
    "$(comm -23 <(echo "$needed") <(echo "$dep_names"))"
unsatisfied=""
while IFS= read -r dep; do
    dep=$(sed 's/^ *//; s/ *$//' <<<"$dep")
    name=${dep%% *}
    have=$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null)
    if [[ -z $have ]]; then unsatisfied+=" $name(missing)"; continue; fi
    if [[ $dep =~ \(([<>=]+)\ ([^\)]+)\) ]]; then
        op=${BASH_REMATCH[1]} ver=${BASH_REMATCH[2]}
        case $op in ">=") op=ge ;; "<=") op=le ;; ">>") op=gt ;; "<<") op=lt ;; "=") op=eq ;; esac
        dpkg --compare-versions "$have" "$op" "$ver" || unsatisfied+=" $dep(have $have)"
    fi
done < <(tr ',' '\n' <<<"$DEPENDS")
assert_eq "  ...and every dependency is satisfied on this machine" "" "$unsatisfied"
assert_contains "Recommends ca-certificates (downloads over https)" "$(field Recommends)" ca-certificates

# Installed into a scratch root with dpkg.
ROOT=$T/root
mkdir -p "$ROOT/var/lib/dpkg/info" "$ROOT/var/lib/dpkg/updates"
touch "$ROOT/var/lib/dpkg/status"
D() { dpkg --root="$ROOT" --log=/dev/null --force-script-chrootless "$@"; }
# The scratch root has no libraries: only the dependency check is forced.
expect_ok "dpkg installs the .deb into a scratch root" D --force-depends -i "$DEB"
assert_eq "  ...registered as installed" "install ok installed" \
    "$(dpkg-query --root="$ROOT" -W -f='${Status}' wsl-for-linux)"
assert_eq "  ...every file in place under /usr" "" "$(has_layout "$ROOT/usr" vendor-completions)"
assert_eq "  ...and nothing outside /usr but dpkg's own records" "" \
    "$(cd "$ROOT" && find . -type f -not -path './usr/*' -not -path './var/lib/dpkg/*')"
assert_eq "  ...the unit runs /usr/bin/wslservice" \
    "ExecStart=/usr/bin/wslservice --state-dir /var/lib/wsl --idle-timeout 60" \
    "$(grep '^ExecStart=' "$ROOT/usr/lib/systemd/system/wslservice.service")"
run "$ROOT/usr/bin/wsl" --version
assert_match "  ...the installed wsl runs" "$OUT" "^wsl for Linux version: "
assert_eq "  ...man finds its pages" "$ROOT/usr/share/man/man8/wslservice.8.gz" \
    "$(MANPATH=$ROOT/usr/share/man man -w wslservice 2>&1)"
run env MANPATH="$ROOT/usr/share/man" MANWIDTH=80 MAN_DISABLE_SECCOMP=1 man --warnings=w wsl.conf
assert_match "  ...and renders them without warnings" "$RC:$ERR" "^0:$"
assert_contains "  ...with their text" "$OUT" "automount"

# Each shell loads the installed completion from where it looks for vendor files.
run bash -c 'source "$1/usr/share/bash-completion/completions/wsl" && complete -p wsl' _ "$ROOT"
assert_eq "bash: the installed completion registers _wsl" "complete -F _wsl wsl" "$OUT"
if command -v zsh >/dev/null; then
    run zsh -f -c 'fpath=("$1/usr/share/zsh/vendor-completions" $fpath); autoload -U compinit;
        compinit -u -D; print -r -- ${_comps[wsl]}' _ "$ROOT"
    assert_eq "zsh: compinit finds _wsl in vendor-completions" _wsl "$OUT"
fi
if command -v fish >/dev/null; then
    run env PATH="$ROOT/usr/bin:$PATH" fish --no-config -c \
        "set -p fish_complete_path $ROOT/usr/share/fish/vendor_completions.d; complete -C'wsl --ins'"
    assert_match "fish: the installed completion completes --install" "$OUT" "^--install"
fi

expect_ok "dpkg --purge removes it" D --purge wsl-for-linux
assert_eq "  ...no file of it is left" "" "$(cd "$ROOT" && find . -type f -not -path './var/lib/dpkg/*')"
assert_eq "  ...and dpkg forgot it" "" "$(dpkg-query --root="$ROOT" -W -f='${Status}' wsl-for-linux 2>/dev/null | grep installed)"

finish
