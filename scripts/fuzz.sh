#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/, clang, WSL_FUZZ=ON) in build-fuzz and runs each
# on a fresh copy of its seed corpus, then prints one line per target.
#
#   scripts/fuzz.sh [--ci] [--no-build] [--keep-going] [SECONDS] [TARGET...]
#
# SECONDS per target (default 300); TARGETs are names like fuzz_frame or frame (default all).
# --ci: 20 s each, and exit 1 when any target found something (crash, leak, timeout, oom).
# --no-build: use the targets already built (e.g. when two runs share build-fuzz).
# --keep-going: fuzz in a child process (libFuzzer -fork=1) that is restarted after a crash,
#   timeout or oom, so a known finding does not end the run; every finding is kept.
# Findings are written to build-fuzz/artifacts/<target>/, logs to build-fuzz/logs/<target>.log;
# reproduce one with: build-fuzz/fuzz/<target> <artifact>.
set -euo pipefail
cd "$(dirname "$0")/.."

ci=0 build=1 seconds=300 targets=() mode=()
for arg in "$@"; do
    case $arg in
    --ci) ci=1 seconds=20 ;;
    --no-build) build=0 ;;
    --keep-going) mode=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1) ;;
    [0-9]*) seconds=$arg ;;
    -*) echo "fuzz.sh: unknown option $arg" >&2 && exit 2 ;;
    *) targets+=("fuzz_${arg#fuzz_}") ;;
    esac
done

out=$PWD/build-fuzz
if ((build)); then
    start=$SECONDS
    cmake -S . -B "$out" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DWSL_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
    cmake --build "$out" --target fuzz
    echo "fuzz.sh: built in $((SECONDS - start)) s"
fi
if ((${#targets[@]} == 0)); then
    for src in tests/fuzz/fuzz_*.cpp; do
        t=$(basename "$src" .cpp)
        targets+=("$t")
    done
fi

# Per target: inputs larger than the seeds are rarely useful, and archives must stay small
# (the extraction tmpfs holds 64 MiB whatever a compressed input expands to).
max_len() {
    case $1 in
    fuzz_extract) echo 65536 ;;
    fuzz_manifest) echo 16384 ;;
    fuzz_frame) echo 8192 ;;
    *) echo 4096 ;;
    esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
command -v llvm-symbolizer >/dev/null && export ASAN_SYMBOLIZER_PATH=$(command -v llvm-symbolizer)

found=0
summary=()
for t in "${targets[@]}"; do
    bin=$out/fuzz/$t
    [[ -x $bin ]] || { echo "fuzz.sh: no target $t" >&2 && exit 2; }
    corpus=$out/corpus/$t artifacts=$out/artifacts/$t log=$out/logs/$t.log
    rm -rf "$corpus"
    mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
    cp tests/fuzz/corpus/"$t"/* "$corpus"/
    marker=$out/logs/$t.start
    touch "$marker"
    echo "fuzz.sh: $t for ${seconds}s"
    rc=0
    # From an empty directory: whatever a target might write by mistake lands there.
    mkdir -p "$out/run"
    (cd "$out/run" && exec "$bin" "${mode[@]}" -max_total_time="$seconds" -print_final_stats=1 \
        -timeout=25 -rss_limit_mb=2048 -max_len="$(max_len "$t")" -artifact_prefix="$artifacts/" \
        "$corpus") >"$log" 2>&1 || rc=$?

    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    if [[ -z $execs ]]; then # -fork: "#N: cov: ... time: Ss job: ..." lines instead
        last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1)
        execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$last")
        secs=$(sed -E 's/.* time: ([0-9]+)s.*/\1/' <<<"$last")
        [[ -n $execs && ${secs:-0} -gt 0 ]] && rate=$((execs / secs))
    fi
    files=$(find "$corpus" -type f | wc -l)
    bytes=$(du -sb "$corpus" | cut -f1)
    what=()
    new=0
    for kind in crash leak timeout oom; do
        n=$(find "$artifacts" -type f -name "$kind-*" -newer "$marker" | wc -l)
        ((n)) && what+=("$kind:$n") && new=$((new + n))
    done
    grep -q 'runtime error:' "$log" && what+=("ubsan")
    grep -q '^fuzz: note:' "$log" && what+=("notes:$(grep -c '^fuzz: note:' "$log")")
    if ((rc != 0 || new > 0)); then
        found=1
        what+=("exit:$rc")
        grep -m1 -E '^(fuzz: |==[0-9]+== ?ERROR|SUMMARY|ALARM)|runtime error:' "$log" |
            cut -c1-200 | sed 's/^/    /' || true
    fi
    ((${#what[@]})) || what=(none)
    summary+=("$(printf '%-18s %10s execs %7s/s  corpus %5s files %8s B  findings: %s' \
        "$t" "${execs:-?}" "${rate:-?}" "$files" "$bytes" "${what[*]}")")
done

echo
printf '%s\n' "${summary[@]}"
if ((found)); then
    echo "fuzz.sh: findings above; artifacts in $out/artifacts/, logs in $out/logs/"
    ((ci)) && exit 1
fi
exit 0
