#!/usr/bin/env bash
# The man pages in man/: each renders with man(1) and groff without a single warning, has the
# usual sections (NAME that whatis can parse, SYNOPSIS, DESCRIPTION, FILES, EXAMPLES, SEE ALSO),
# and documents what the code has: every option that `wsl --help` and `wslservice --help` print,
# every key the config parsers in lib/config know, and every field of the JSON output. Needs no
# service.
source "$(dirname "$0")/lib.sh"

command -v groff >/dev/null || skip_all "groff is not installed"
HAVE_MAN=0
command -v man >/dev/null && HAVE_MAN=1
((HAVE_MAN)) || note "man(1) is not installed: rendering with groff only"

MAN_DIR=$WSL_SRC/man
PAGES=(wsl.1 wslservice.8 wsl.conf.5 wslconfig.5 wsl-distribution.conf.5)
# man-db's sandbox is pointless for our own files and fails in some containers.
export MAN_DISABLE_SECCOMP=1

# render FILE: the page as a reader sees it, 80 columns, plain text (no overstrike), with the
# Unicode hyphen and minus a UTF-8 device may print turned into '-'. Warnings go to $T/render.err.
render() {
    if ((HAVE_MAN)); then
        # --warnings=w is groff's -ww: every warning (groff's "all" leaves out mac, di and reg).
        LC_ALL=C.UTF-8 MANWIDTH=80 MANPAGER=cat PAGER=cat \
            man --warnings=w -E UTF-8 -l "$1" 2>"$T/render.err"
    else
        groff -man -ww -Tutf8 -rLL=80n "$1" 2>"$T/render.err"
    fi | sed -e 's/.\x08//g' -e 's/\xe2\x80\x90/-/g' -e 's/\xe2\x80\x91/-/g' -e 's/\xe2\x88\x92/-/g'
}

# flat TEXT: one line, whitespace runs as single spaces; words that a line break split after a
# hyphen are joined again.
flat() { sed -e ':a' -e 'N' -e '$!ba' -e 's/-\n[[:space:]]*/-/g' -e 's/[[:space:]]\+/ /g' <<<"$1"; }

# missing_words TEXT WORD...: prints each WORD that TEXT lacks as a whole word (not as part of
# a longer option or name: "--all" is not found in "--allow", nor "-a" in "--all").
missing_words() {
    local text=$1 w re
    shift
    for w in "$@"; do
        re=$(sed -e 's/[][\.*^$+?(){}|/]/\\&/g' <<<"$w")
        grep -Eq -- "(^|[^A-Za-z0-9_-])$re([^A-Za-z0-9_-]|$)" <<<"$text" || echo "$w"
    done
}

# options_of HELP_TEXT: the options a --help text names, one per line, sorted.
options_of() {
    grep -oE -- '(^|[][ ,|(])--?[A-Za-z][A-Za-z0-9-]*' <<<"$1" | sed -E 's/^[][ ,|(]//' | LC_ALL=C sort -u
}

# keys_of SOURCE: the "section.key" names of a config parser's key table.
keys_of() {
    grep -oE '(bool_key|int_key|size_key|string_key|ignored_key)\("[^"]+"|\{"[^"]+", *KeyType::' "$1" |
        grep -oE '"[^"]+"' | tr -d '"' | LC_ALL=C sort -u
}

declare -A TEXT FLAT

# ---------------------------------------------------------------------------------------
# 1. every page renders cleanly and has the usual sections

for page in "${PAGES[@]}"; do
    f=$MAN_DIR/$page
    if [[ ! -f $f ]]; then
        not_ok "$page exists" "missing: $f"
        continue
    fi
    name=${page%.*}
    section=${page##*.}

    if LC_ALL=C grep -n -P '[^\x00-\x7F]' "$f" >"$T/nonascii"; then
        not_ok "$page: the source is ASCII (non-ASCII text is written as groff escapes)" "$(cat "$T/nonascii")"
    else
        ok "$page: the source is ASCII"
    fi

    th=$(grep -m1 -E '^\.TH ' "$f" | sed 's/\\-/-/g')
    upper=$(tr '[:lower:]' '[:upper:]' <<<"$name")
    assert_match "$page: .TH names the page and its section" "$th" \
        "^\.TH \"?${upper//./\\.}\"? $section "

    out=$(render "$f")
    err=$(<"$T/render.err")
    if [[ -z $err ]]; then
        ok "$page: man renders it without warnings"
    else
        not_ok "$page: man renders it without warnings" "$err"
    fi
    if ((HAVE_MAN)); then
        # groff on its own too, with both macro packages, and with tbl as man-db would run it.
        for macros in -man -mandoc; do
            err=$(groff "$macros" -t -ww -z "$f" 2>&1)
            if [[ -z $err ]]; then
                ok "$page: groff $macros -ww reports nothing"
            else
                not_ok "$page: groff $macros -ww reports nothing" "$err"
            fi
        done
    fi
    TEXT[$page]=$out
    FLAT[$page]=$(flat "$out")

    assert_match "$page: the rendered page is not empty and has a NAME section" "$out" '^NAME$'
    assert_match "$page: NAME reads '$name - <what it is>'" "$(sed -n '/^NAME$/{n;p;}' <<<"$out")" \
        "^ +${name//./\\.} - [^ ]"
    missing=""
    for sec in SYNOPSIS DESCRIPTION FILES EXAMPLES "SEE ALSO"; do
        grep -Eq "^$sec\$" <<<"$out" || missing+="$sec "
    done
    assert_eq "$page: has SYNOPSIS, DESCRIPTION, FILES, EXAMPLES and SEE ALSO" "" "$missing"
    # An EXAMPLES section with something in it: at least one indented example line.
    examples=$(sed -n '/^EXAMPLES$/,/^[A-Z]/p' <<<"$out" | sed '1d;$d')
    assert_match "$page: EXAMPLES shows an example" "$examples" '^ {9,}[^ ]'
    see_also=$(sed -n '/^SEE ALSO$/,/^[A-Z]/p' <<<"$out" | sed '1d')
    assert_match "$page: SEE ALSO names other pages" "$see_also" '[a-z.-]+\([1-8]\)'

    # Every reference to one of this project's pages names a page that exists.
    bad=""
    while read -r ref; do
        [[ -z $ref ]] && continue
        ref_name=${ref%(*}
        ref_sec=${ref#*(}
        ref_sec=${ref_sec%)}
        [[ -f $MAN_DIR/$ref_name.$ref_sec ]] || bad+="$ref "
    done < <(grep -oE '(^|[^A-Za-z0-9_.-])(wsl|wslservice|wsl\.conf|wslconfig|wsl-distribution\.conf)\([0-9]\)' \
        <<<"${FLAT[$page]}" | sed -E 's/^[^a-z]//' | sort -u)
    assert_eq "$page: references to the project's pages name pages that exist" "" "$bad"

    if command -v lexgrog >/dev/null; then
        run lexgrog "$f"
        if ((RC == 0)) && [[ $OUT == *"\"$name - "* ]]; then
            ok "$page: lexgrog (whatis) parses its NAME line"
        else
            not_ok "$page: lexgrog (whatis) parses its NAME line" "$(cmd_report)"
        fi
    fi
done

# ---------------------------------------------------------------------------------------
# 2. completeness, from the real binaries and the real parsers

# check_all DESC PAGE WORD...: PAGE's rendered text has every WORD.
check_all() {
    local desc=$1 page=$2 miss
    shift 2
    if [[ -z ${FLAT[$page]:-} ]]; then
        not_ok "$desc" "$page did not render"
        return
    fi
    if (($# == 0)); then
        not_ok "$desc" "nothing to look for: the list is empty"
        return
    fi
    miss=$(missing_words "${FLAT[$page]}" "$@")
    if [[ -z $miss ]]; then
        ok "$desc ($# of them)"
    else
        not_ok "$desc" "missing from $page:" "$miss"
    fi
}

# documents_help PROGRAM PAGE FLOOR: PAGE names every option PROGRAM --help prints; at least
# FLOOR of them, so that a broken --help cannot pass by naming nothing.
documents_help() {
    local prog=$1 page=$2 floor=$3 name opts
    name=$(basename "$prog")
    run "$prog" --help
    mapfile -t opts < <(options_of "$OUT$ERR")
    if ((${#opts[@]} >= floor)); then
        ok "$name --help names options (${#opts[@]})"
    else
        not_ok "$name --help names options (${#opts[@]}, expected $floor or more)" "$OUT$ERR"
    fi
    check_all "$page documents every option of $name --help" "$page" "${opts[@]}"
}
documents_help "$WSL_BIN" wsl.1 30
documents_help "$WSLSERVICE_BIN" wslservice.8 2

# Keys: "section.key" as the parser spells it; "section.*" is documented as its [section].
check_keys() {
    local page=$1 src=$WSL_SRC/lib/config/$2 k keys=() sections=()
    if [[ ! -f $src ]]; then
        not_ok "$page: the parser $2 exists" "missing: $src"
        return
    fi
    while read -r k; do
        [[ -z $k ]] && continue
        if [[ $k == *.\* ]]; then
            sections+=("[${k%%.*}]")
        else
            keys+=("$k")
        fi
    done < <(keys_of "$src")
    if ((${#keys[@]} >= 3)); then
        ok "$2 has a key table (${#keys[@]} keys)"
    else
        not_ok "$2 has a key table" "found: ${keys[*]}"
    fi
    check_all "$page documents every key of $2" "$page" "${keys[@]}"
    if ((${#sections[@]})); then
        local miss=""
        for k in "${sections[@]}"; do
            [[ ${FLAT[$page]:-} == *"$k"* ]] || miss+="$k "
        done
        assert_eq "$page names the sections that $2 accepts whole (${sections[*]})" "" "$miss"
    fi
}
check_keys wsl.conf.5 wsl_conf.cpp
check_keys wslconfig.5 wslconfig.cpp
check_keys wsl-distribution.conf.5 wsl_distribution_conf.cpp

# The JSON output of wsl -l, wsl -l -o and wsl --status (the documented, stable schema).
JSON_FIELDS=(distributions name guid default state version flavor osVersion basePath
    defaultVersion friendlyName override url sha256 defaultDistribution)
miss=""
for field in "${JSON_FIELDS[@]}"; do
    [[ ${FLAT[wsl.1]:-} == *"\"$field\""* ]] || miss+="$field "
done
assert_eq "wsl.1 shows every JSON field (${#JSON_FIELDS[@]}) in its examples" "" "$miss"
check_all "wsl.1 names the JSON states" wsl.1 Running Stopped Installing Uninstalling Converting Exporting
assert_match "wsl.1 has a JSON OUTPUT section" "${TEXT[wsl.1]:-}" '^JSON OUTPUT$'
assert_match "wsl.1 has an EXIT STATUS section" "${TEXT[wsl.1]:-}" '^EXIT STATUS$'
assert_match "wsl.1 has an ENVIRONMENT section" "${TEXT[wsl.1]:-}" '^ENVIRONMENT$'
check_all "wsl.1 documents the environment variables the CLI reads" wsl.1 \
    WSL_SERVICE_SOCKET WSL_STATE_DIR WSL_DISABLE_WARNINGS WSL_HTTP_TIMEOUT http_proxy \
    https_proxy no_proxy XDG_CACHE_HOME
check_all "wslservice.8 documents socket activation" wslservice.8 \
    LISTEN_FDS LISTEN_PID NOTIFY_SOCKET READY=1 STOPPING=1 wslservice.socket wslservice.service

finish
