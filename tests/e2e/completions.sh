#!/usr/bin/env bash
# Shell completions (completions/wsl.bash, _wsl, wsl.fish) against the real CLI and service:
# verbs and options per verb, installed distro names (running ones only for --terminate),
# catalog names for --install, --format values per verb, versions, files and directories
# where the grammar takes them, nothing of wsl's own after -- / -e / a command word, nothing
# (and no error, no service started) without a service, and no network access ever: catalog
# names come from `wsl -l -o -q --offline` (the built-in list or the cached one).
# bash with and without bash-completion loaded, zsh through its real completion system in a
# zpty, fish through `complete -C`.
source "$(dirname "$0")/lib.sh"
exec </dev/null

COMP=$WSL_SRC/completions
for f in wsl.bash _wsl wsl.fish; do
    [[ -r $COMP/$f ]] || die "missing completions/$f"
done
BASH_COMPLETION=/usr/share/bash-completion/bash_completion

start_service
SRC=$T/rootfs.tar
mk_rootfs_tar "$SRC"
require_runnable "$SRC.src"
private_home '[general]\ninstanceIdleTimeout=-1\n'
expect_ok "import CompRun" wsl --import CompRun "$(fresh_dir run)" "$SRC" || die "cannot import"
expect_ok "import CompStopped" wsl --import CompStopped "$(fresh_dir stopped)" "$SRC" ||
    die "cannot import"
expect_ok "start CompRun (it stays up: instanceIdleTimeout=-1)" wsl -d CompRun -- true
run wsl -l -q --running
assert_eq "  ...only CompRun runs" CompRun "$OUT"

# `wsl` on PATH is the CLI under test (the completions call it by name).
mkdir -p "$T/bin"
ln -s "$WSL_BIN" "$T/bin/wsl"
export PATH=$T/bin:$PATH

# A directory to complete files in: two files, two directories.
FILES=$(fresh_dir files)
mkdir "$FILES/sub1" "$FILES/sub2"
touch "$FILES/afile.tar" "$FILES/note.txt"

# ---------------------------------------------------------------------------------------
# drivers: each prints one line per command line, "|cand|cand|...|" (trailing / removed)

# bash: a clean bash that sources the script (and bash-completion for "bc") and calls _wsl
# as readline would, with COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT.
cat >"$T/bash_driver.sh" <<'EOF'
mode=$1
shift
if [[ $mode == bc ]]; then
    source /usr/share/bash-completion/bash_completion || exit 3
    declare -F _init_completion >/dev/null || exit 3
fi
source "$COMP/wsl.bash" || exit 3
# compopt only works under readline; outside it, it complains. Keep its other effects.
compopt() { builtin compopt "$@" 2>/dev/null; return 0; }
for line; do
    COMP_LINE=$line
    COMP_POINT=${#line}
    read -ra COMP_WORDS <<<"$line"
    [[ $line == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _wsl wsl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    out="|"
    for c in "${COMPREPLY[@]}"; do out+="${c%/}|"; done
    printf '%s\n' "$out"
done
EOF

# zsh: an interactive zsh -f in a zpty with compinit and the completions first in fpath;
# TAB runs a completion widget that calls _main_complete with compadd wrapped to record
# every match (and the display strings, i.e. the descriptions) in a file, then inserts and
# lists nothing. The driver types each line and TAB, waits for the file, then clears the line.
cat >"$T/zsh_setup.zsh" <<'EOF'
compadd() {
  if (( ${argv[(I)-[OAD]]} )) && (( ${argv[(i)-[OAD]]} < ${argv[(i)--]} )); then
    builtin compadd "$@"
    return
  fi
  local -a __m
  local __i=${argv[(i)-d]}
  (( __i < $#argv )) && [[ ${argv[__i+1]} != \(* ]] && __dsc+=("${(@P)argv[__i+1]}")
  __i=${argv[(i)-X]}
  (( __i < $#argv )) && __dsc+=("${argv[__i+1]}")
  builtin compadd -O __m "$@"
  __cap+=("${(@)__m}")
  builtin compadd "$@"
}
_cap_widget() {
  local t0=$EPOCHREALTIME
  __cap=() __dsc=()
  _main_complete 2>>$CAP_OUT.e
  print -r -- $(( EPOCHREALTIME - t0 )) >$CAP_OUT.t
  print -rl -- "${(@)__dsc}" >$CAP_OUT.d
  print -rl -- "${(@u)__cap}" >$CAP_OUT.tmp
  mv $CAP_OUT.tmp $CAP_OUT
  compstate[insert]=''
  compstate[list]=''
}
zstyle ':completion:*:descriptions' format '%d'
zle -C cap-complete complete-word _cap_widget
bindkey '^I' cap-complete
EOF
cat >"$T/zsh_driver.zsh" <<'EOF'
zmodload zsh/zpty || exit 3
out=$1
shift
zpty -b z zsh -f -i
zpty -w z "PS1='> '; RPS1=''; bindkey -e; zmodload zsh/datetime"
zpty -w z "fpath=(${(q)COMP} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z ". ${(q)out}/zsh_setup.zsh"
# wait until all that ran before typing a completion
rm -f $out/z.ready
zpty -w z "print ready >${(q)out}/z.ready"
for i in {1..200}; do
  [[ -s $out/z.ready ]] && break
  sleep 0.05
done
n=0
for line; do
  n=$(( n + 1 ))
  rm -f $out/z.$n $out/z.$n.d $out/z.$n.t $out/z.$n.e
  zpty -w z "CAP_OUT=${(q)out}/z.$n"
  zpty -w -n z "$line"$'\t'
  for i in {1..200}; do
    [[ -e $out/z.$n ]] && break
    sleep 0.05
  done
  zpty -w -n z $'\C-u'
  [[ -s $out/z.$n.e ]] && cat $out/z.$n.e >&2
  if [[ -e $out/z.$n ]]; then
    local -a cands
    cands=("${(@f)$(<$out/z.$n)}")
    cands=(${cands:#})
    if (( $#cands )); then
      print -r -- "|${(j:|:)${(@)cands%/}}|"
    else
      print -r -- "|"
    fi
  else
    print -r -- "TIMEOUT"
  fi
done
zpty -d z
EOF

# fish: `complete -C` for each line.
cat >"$T/fish_driver.fish" <<'EOF'
source $COMP/wsl.fish; or exit 3
set -l n 0
for line in $argv
    set n (math $n + 1)
    set -l t0 (date +%s%N)
    set -l cands (complete -C"$line")
    set -l t1 (date +%s%N)
    echo (math "($t1 - $t0) / 1000000000") >$FISH_OUT.$n.t
    if set -q cands[1]
        echo '|'(string join '|' -- (string replace -r '\t.*' '' -- $cands | string replace -r '/$' ''))'|'
    else
        echo '|'
    end
    printf '%s\n' $cands >$FISH_OUT.last
end
EOF

export COMP
# shells: the drivers this machine can run (bash always; bash-completion, zsh, fish if there).
shells() {
    echo bash
    [[ -r $BASH_COMPLETION ]] && echo bc
    command -v zsh >/dev/null && echo zsh
    command -v fish >/dev/null && echo fish
    return 0
}

# comp SHELL LINE...: runs the driver (bash, bc, zsh or fish); COMP_OUT = its lines, one per
# LINE, COMP_ERR = its stderr.
comp() {
    local sh=$1
    shift
    case $sh in
        bash | bc) (cd "$FILES" && timeout -k 5 60 bash --norc --noprofile "$T/bash_driver.sh" "$sh" "$@") ;;
        zsh) (cd "$FILES" && timeout -k 5 60 zsh -f "$T/zsh_driver.zsh" "$T" "$@") ;;
        fish) (cd "$FILES" && FISH_OUT=$T/fish timeout -k 5 60 fish --no-config "$T/fish_driver.fish" "$@") ;;
    esac >"$T/comp.out" 2>"$T/comp.err"
    local rc=$?
    COMP_OUT=$(<"$T/comp.out")
    COMP_ERR=$(<"$T/comp.err")
    if ((rc != 0)); then
        not_ok "$sh completion driver ran (exit $rc)" "$COMP_ERR" "$COMP_OUT"
    fi
}

# Each check: LINE, then what the result must be: "=|a|b|" (exactly, in any order), "+a"
# (contains a), "-a" (does not contain a), "0" (nothing).
SPECS=()
spec() { SPECS+=("$*"); }

matches() { # matches RESULT EXPECT...: empty when fine, else what failed
    local result=$1 e want have
    shift
    for e in "$@"; do
        case $e in
            =*)
                want=$(tr '|' '\n' <<<"${e#=}" | sed '/^$/d' | LC_ALL=C sort | tr '\n' '|')
                have=$(tr '|' '\n' <<<"$result" | sed '/^$/d' | LC_ALL=C sort | tr '\n' '|')
                [[ $want == "$have" ]] || echo "expected exactly ${e#=}"
                ;;
            +*) [[ $result == *"|${e#+}|"* ]] || echo "expected ${e#+}" ;;
            -*) [[ $result != *"|${e#-}|"* ]] || echo "did not expect ${e#-}" ;;
            0) [[ $result == "|" ]] || echo "expected nothing" ;;
        esac
    done
}

# run_specs SHELL: one driver run for all SPECS ("LINE<TAB>EXPECT EXPECT ..."), one check each.
run_specs() {
    local sh=$1 lines=() s i
    for s in "${SPECS[@]}"; do lines+=("${s%%$'\t'*}"); done
    comp "$sh" "${lines[@]}"
    local results
    mapfile -t results <<<"$COMP_OUT"
    for i in "${!SPECS[@]}"; do
        s=${SPECS[i]}
        local line=${s%%$'\t'*} expect
        read -ra expect <<<"${s#*$'\t'}"
        local bad
        bad=$(matches "${results[i]-}" "${expect[@]}")
        if [[ -z $bad ]]; then
            ok "$sh: '$line' -> ${s#*$'\t'}"
        else
            not_ok "$sh: '$line' -> ${s#*$'\t'}" "$bad" "got: ${results[i]-<no line>}"
        fi
    done
    SPECS=()
}

# The checks every shell must pass (directories may come back with a trailing /, removed).
common_specs() {
    spec "wsl --ex"$'\t'"=|--exec|--export|"
    spec "wsl --sh"$'\t'"=|--shell-type|--shutdown|"
    spec "wsl -d "$'\t'"=|CompRun|CompStopped|"
    spec "wsl --distribution Comp"$'\t'"=|CompRun|CompStopped|"
    spec "wsl --unregister "$'\t'"=|CompRun|CompStopped|"
    spec "wsl --export "$'\t'"=|CompRun|CompStopped|"
    spec "wsl --manage "$'\t'"=|CompRun|CompStopped|"
    spec "wsl -s "$'\t'"=|CompRun|CompStopped|"
    spec "wsl --set-version "$'\t'"=|CompRun|CompStopped|"
    spec "wsl -t "$'\t'"=|CompRun|"
    spec "wsl --terminate "$'\t'"=|CompRun|"
    spec "wsl -d CompRun --install "$'\t'"+Ubuntu-24.04 +Debian -CompRun"
    spec "wsl --install "$'\t'"+Ubuntu-24.04 +Debian +Ubuntu -CompRun -afile.tar"
    spec "wsl --install -d Ubu"$'\t'"+Ubuntu-24.04 +Ubuntu -Debian"
    spec "wsl --install --distribution "$'\t'"+Debian"
    spec "wsl --install --version "$'\t'"=|1|2|"
    spec "wsl --set-default-version "$'\t'"=|1|2|"
    spec "wsl --set-version CompRun "$'\t'"=|1|2|"
    spec "wsl --import CompNew sub1 afile.tar --version "$'\t'"=|1|2|"
    spec "wsl --export CompRun out.tar --format "$'\t'"=|tar|tar.gz|tar.xz|tar.zst|"
    spec "wsl --list --format "$'\t'"=|text|json|"
    spec "wsl -l --format "$'\t'"=|text|json|"
    spec "wsl --status --format "$'\t'"=|text|json|"
    spec "wsl --shell-type "$'\t'"=|standard|login|none|"
    spec "wsl --manage CompRun --set-sparse "$'\t'"=|true|false|"
    spec "wsl --list --"$'\t'"+--all +--running +--quiet +--verbose +--online +--offline +--format +--help ---force -CompRun"
    spec "wsl --shutdown --"$'\t'"=|--force|--help|"
    spec "wsl --install --"$'\t'"+--name +--location +--from-file +--no-launch +--version +--web-download +--distribution -CompRun -Ubuntu"
    spec "wsl --manage CompRun --"$'\t'"+--move +--rename +--set-default-user +--set-sparse -CompRun"
    spec "wsl --help --in"$'\t'"=|--install|"
    spec "wsl --import CompNew "$'\t'"=|sub1|sub2|"
    spec "wsl --import CompNew sub1 "$'\t'"+afile.tar +note.txt"
    spec "wsl --export CompRun "$'\t'"-CompRun"
    spec "wsl --export CompRun a"$'\t'"=|afile.tar|"
    spec "wsl --install --from-file a"$'\t'"=|afile.tar|"
    spec "wsl --install -f "$'\t'"+afile.tar +note.txt"
    spec "wsl --install --location "$'\t'"=|sub1|sub2|"
    spec "wsl --manage CompRun --move "$'\t'"=|sub1|sub2|"
    spec "wsl --manage CompRun -m s"$'\t'"=|sub1|sub2|"
    spec "wsl --cd s"$'\t'"=|sub1|sub2|"
    spec "wsl -d CompRun --cd "$'\t'"+sub1 +sub2 -afile.tar -CompRun"
    spec "wsl -- --ex"$'\t'"---export ---exec"
    spec "wsl -d CompRun -- Comp"$'\t'"-CompRun -CompStopped"
    spec "wsl -e --"$'\t'"-CompRun ---exec ---distribution ---export"
    spec "wsl -d CompRun -e ls af"$'\t'"=|afile.tar|"
    spec "wsl -d CompRun -- ls sub"$'\t'"=|sub1|sub2|"

    # issue 12's verbs and options (wsl.exe's): offered in their canonical spellings only;
    # the hidden --setdefault is understood, and options that are always refused (--legacy,
    # --vhd-size, --fixed-vhd) are not offered
    spec "wsl --up"$'\t'"=|--update|"
    spec "wsl --mou"$'\t'"=|--mount|"
    spec "wsl --un"$'\t'"=|--unregister|--uninstall|--unmount|"
    spec "wsl --de"$'\t'"=|--debug-shell|"
    spec "wsl --"$'\t'"+--update +--uninstall +--mount +--unmount +--debug-shell +--set-default ---setdefault"
    spec "wsl --s"$'\t'"+--set-default +--shutdown ---setdefault"
    spec "wsl --setdefault "$'\t'"=|CompRun|CompStopped|"
    spec "wsl --help --u"$'\t'"=|--unregister|--update|--uninstall|--unmount|"
    spec "wsl --update --"$'\t'"=|--pre-release|--web-download|--confirm|--prompt-before-exit|--help|"
    spec "wsl --update --confirm --"$'\t'"=|--pre-release|--web-download|--prompt-before-exit|--help|"
    spec "wsl --uninstall --"$'\t'"=|--help|"
    spec "wsl --mount --"$'\t'"=|--help|"
    spec "wsl --unmount --"$'\t'"=|--help|"
    spec "wsl --debug-shell --"$'\t'"=|--help|"
    spec "wsl --install --"$'\t'"+--no-distribution +--pre-release +--prompt-before-exit +--enable-wsl1 ---legacy ---vhd-size ---fixed-vhd"
    spec "wsl --install --no-distribution --"$'\t'"+--name +--pre-release ---distribution ---from-file ---no-distribution"
    spec "wsl --install --no-distribution "$'\t'"-Debian -Ubuntu -Ubuntu-24.04"
    spec "wsl --install Debian --"$'\t'"+--name +--enable-wsl1 ---no-distribution ---distribution"
    spec "wsl --install -d Debian --"$'\t'"+--name ---no-distribution"
    spec "wsl --install -f afile.tar --"$'\t'"+--name ---no-distribution"
}

# ---------------------------------------------------------------------------------------
# bash

[[ -r $BASH_COMPLETION ]] || note "bash-completion is not installed: only the fallback is tested"
for sh in bash bc; do
    [[ $sh == bc && ! -r $BASH_COMPLETION ]] && continue
    common_specs
    spec "wsl "$'\t'"+-d +--distribution +--cd +--install +--list +--help +~ +--"
    spec "wsl -d CompRun "$'\t'"-~ --d ---distribution +--cd +--user +--install +-e"
    spec "wsl --help "$'\t'"+--install +--list +-l +--export +--manage +--terminate"
    spec "wsl --list --help "$'\t'"0"
    spec "wsl --export CompRun -"$'\t'"+- +--format"
    spec "wsl --import CompNew sub1 -"$'\t'"+- +--version"
    spec "wsl --manage CompRun --rename X -"$'\t'"0"
    spec "wsl --install Debian -"$'\t'"-Debian ---distribution ---from-file +--name"
    spec "wsl --cd "$'\t'"+~ +sub1 -afile.tar"
    spec "wsl -d CompRun ls no"$'\t'"=|note.txt|"
    run_specs "$sh"
    assert_eq "$sh: the completion printed nothing on stderr" "" "$COMP_ERR"
done

# ---------------------------------------------------------------------------------------
# zsh

if ! command -v zsh >/dev/null; then
    note "zsh is not installed: not tested"
elif ! zsh -fc 'zmodload zsh/zpty' 2>/dev/null; then
    note "zsh has no zsh/zpty: not tested"
else
    common_specs
    spec "wsl "$'\t'"+-d +--cd +--install +--list +~ -CompRun"
    spec "wsl --help "$'\t'"+--install +--list +--export +--manage +--terminate"
    spec "wsl --cd "$'\t'"+~ +sub1 -afile.tar"
    run_specs zsh
    assert_eq "zsh: the completion printed nothing on stderr" "" "$COMP_ERR"
    comp zsh "wsl --ex"
    DESCS=$(<"$T/z.1.d")
    assert_contains "zsh: verbs come with descriptions" "$DESCS" "export a distribution to a tar file"
    comp zsh "wsl -t "
    assert_contains "zsh: distro names come under a description" "$(<"$T/z.1.d")" "running distribution"
    comp zsh "wsl --mou"
    assert_contains "zsh: --mount says it needs version 2" "$(<"$T/z.1.d")" "attach a disk (needs version 2)"
fi

# ---------------------------------------------------------------------------------------
# fish

if ! command -v fish >/dev/null; then
    note "fish is not installed: not tested"
else
    common_specs
    spec "wsl "$'\t'"+-d +--cd +--install +--list +~ -CompRun"
    spec "wsl --help "$'\t'"+--install +--list +--export +--manage +--terminate"
    spec "wsl --export CompRun -"$'\t'"+- +--format"
    spec "wsl --cd "$'\t'"+~ +sub1 -afile.tar"
    run_specs fish
    assert_eq "fish: the completion printed nothing on stderr" "" "$COMP_ERR"
    comp fish "wsl --ex"
    assert_match "fish: verbs come with descriptions" "$(<"$T/fish.last")" $'^--export\tExport a distribution'
    comp fish "wsl -t "
    assert_match "fish: distro names are described" "$(<"$T/fish.last")" $'^CompRun\tRunning distribution'
    comp fish "wsl --mou"
    assert_match "fish: --mount says it needs version 2" "$(<"$T/fish.last")" $'^--mount\tAttach a disk \\(needs version 2\\)'
fi

# ---------------------------------------------------------------------------------------
# no service: nothing, no error, and no service started (a root `wsl` would start one)

NOSOCK=$T/nosuch.sock
for sh in $(shells); do
    WSL_SERVICE_SOCKET=$NOSOCK WSL_STATE_DIR=$T/stray-state comp "$sh" "wsl -d " "wsl -t "
    assert_eq "$sh: without a service, nothing to complete after -d and -t" $'|\n|' "$COMP_OUT"
    assert_eq "  ...and nothing on stderr" "" "$COMP_ERR"
done
assert_absent "no service was started for a completion" "$NOSOCK"
if [[ -S $NOSOCK ]]; then
    # a wslservice this test caused: stop it (only that one, by its unique socket path)
    for pid in $(pgrep -f -- "--socket $NOSOCK"); do kill -9 "$pid"; done
fi

# ---------------------------------------------------------------------------------------
# never the network: catalog names come from --offline only. A real HTTP server (httpd.py)
# serves a catalog and logs every request; until `wsl -l -o` has fetched it, completion
# offers nothing, and afterwards the cached names, never with a request.

WWW=$(fresh_dir www)
cat >"$WWW/catalog.json" <<'EOF'
{"ModernDistributions": {"Cached": [
  {"Name": "Cached-One", "FriendlyName": "Cached One", "Default": true,
   "Amd64Url": {"Url": "http://127.0.0.1:1/one.wsl", "Sha256": "0000000000000000000000000000000000000000000000000000000000000000"},
   "Arm64Url": {"Url": "http://127.0.0.1:1/one.wsl", "Sha256": "0000000000000000000000000000000000000000000000000000000000000000"}},
  {"Name": "Cached-Two", "FriendlyName": "Cached Two", "Default": false,
   "Amd64Url": {"Url": "http://127.0.0.1:1/two.wsl", "Sha256": "0000000000000000000000000000000000000000000000000000000000000000"},
   "Arm64Url": {"Url": "http://127.0.0.1:1/two.wsl", "Sha256": "0000000000000000000000000000000000000000000000000000000000000000"}}
]}}
EOF
touch "$T/www.log"
bg "$PY" "$E2E_DIR/httpd.py" serve --root "$WWW" --port-file "$T/www.port" --log "$T/www.log" \
    2>>"$T/www.stderr"
wait_until 15 test -s "$T/www.port" || die "httpd.py did not start" "$(cat "$T/www.stderr")"
printf '[general]\ninstanceIdleTimeout=-1\ndistributionListUrl=http://127.0.0.1:%s/catalog.json\n' \
    "$(<"$T/www.port")" >"$HOME/.wslconfig"
requests() { wc -l <"$T/www.log"; }
slowest() { printf '%s\n' "$@" | sort -g | tail -n 1; }

for sh in $(shells); do
    rm -f "$T"/fish.*.t
    start=$EPOCHREALTIME
    comp "$sh" "wsl --install " "wsl --install -d "
    took=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
    assert_eq "$sh: a catalog that was never fetched: nothing to complete" $'|\n|' "$COMP_OUT"
    assert_eq "  ...and no request" 0 "$(requests)"
    case $sh in
        bash | bc) t=$took ;; # the whole driver, bash's start-up included
        zsh) t=$(slowest "$(<"$T/z.1.t")" "$(<"$T/z.2.t")") ;;
        fish) t=$(slowest $(cat "$T"/fish.*.t)) ;;
    esac
    check "  ...quickly (${t} s, under 2 s)" awk -v t="$t" 'BEGIN { exit !(t < 2) }'
done

expect_ok "wsl -l -o fetches and caches the served catalog" wsl -l -o
assert_contains "  ...which has Cached-One" "$OUT" "Cached-One"
check "  ...with a request the server logged (the log sees a real fetch)" test "$(requests)" -gt 0
for sh in $(shells); do
    BEFORE=$(requests)
    comp "$sh" "wsl --install " "wsl --install -d Cached-T"
    mapfile -t R <<<"$COMP_OUT"
    assert_eq "$sh: the cached catalog's names" "|Cached-One|Cached-Two|" "${R[0]-}"
    assert_eq "$sh: ...by prefix" "|Cached-Two|" "${R[1]-}"
    assert_eq "  ...without a request" "$BEFORE" "$(requests)"
done

run wsl -l -q --running
assert_eq "CompRun still runs (completion changed nothing)" CompRun "$OUT"
wsl -t CompRun >/dev/null 2>&1
finish
