#!/usr/bin/env bash
# --format json for --list (its filters, --online, --offline) and --status: the documented
# schema with real values from a real service, the same rows as the text form, valid JSON
# whatever the bytes of a path, and --offline never touching the network.
source "$(dirname "$0")/lib.sh"

start_service
SRC=$T/rootfs.tar
mk_rootfs_tar "$SRC"
private_home '[general]\ninstanceIdleTimeout=-1\n'

# pyjson EXPR: evaluates a Python expression over the JSON in $OUT (as d); prints the result.
pyjson() { "$PY" -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1]))' "$1" <<<"$OUT"; }
# json_is DESC EXPR EXPECTED
json_is() { assert_eq "$1" "$3" "$(pyjson "$2" 2>&1)"; }

# ---------------------------------------------------------------------------------------
# empty: a JSON document and exit 0, where the text form fails

expect_ok "-l --format json with no distributions exits 0" wsl -l --format json
json_is "  ...an empty list" 'd["distributions"]' "[]"
json_is "  ...and the default version" 'd["defaultVersion"]' 1
expect_ok "--status --format json with no distributions" wsl --status --format json
json_is "  ...defaultDistribution is null" 'd["defaultDistribution"]' None
json_is "  ...defaultVersion" 'd["defaultVersion"]' 1
json_is "  ...exactly those keys" 'sorted(d)' "['defaultDistribution', 'defaultVersion']"

# ---------------------------------------------------------------------------------------
# two distros, one running, one default

DIR_B=$(fresh_dir b)
expect_ok "import Alpha" wsl --import Alpha "$(fresh_dir a)" "$SRC" || die "cannot import"
expect_ok "import Beta" wsl --import Beta "$DIR_B" "$SRC" || die "cannot import"
expect_ok "make Beta the default" wsl --set-default Beta
if require_runnable "$SRC.src" 2>/dev/null; then RUNNABLE=1; else RUNNABLE=0; fi
if ((RUNNABLE)); then
    expect_ok "start Alpha" wsl -d Alpha -- true </dev/null
fi

expect_ok "-l --format json" wsl -l --format json
json_is "  ...two rows, default first (as the text form)" '[r["name"] for r in d["distributions"]]' \
    "['Beta', 'Alpha']"
json_is "  ...every documented field, no other" 'sorted(d["distributions"][0])' \
    "['basePath', 'default', 'flavor', 'guid', 'name', 'osVersion', 'state', 'version']"
json_is "  ...default flags" '[r["default"] for r in d["distributions"]]' "[True, False]"
json_is "  ...version is a number" 'd["distributions"][0]["version"]' 1
json_is "  ...basePath is where it was imported" 'd["distributions"][0]["basePath"]' "$DIR_B"
GUID=$(pyjson 'd["distributions"][0]["guid"]')
assert_eq "  ...guid is the registry's" "$(reg_field Beta guid)" "$GUID"
json_is "  ...flavor and osVersion from os-release" \
    '(d["distributions"][0]["flavor"], d["distributions"][0]["osVersion"])' \
    "('$(reg_field Beta flavor)', '$(reg_field Beta osVersion)')"
if ((RUNNABLE)); then
    json_is "  ...states" '[r["state"] for r in d["distributions"]]' "['Stopped', 'Running']"
    expect_ok "-l --running --format json" wsl -l --running --format json
    json_is "  ...only the running one" '[r["name"] for r in d["distributions"]]' "['Alpha']"
    expect_ok "--terminate Alpha" wsl --terminate Alpha
fi
expect_ok "-l --running --format json with none running exits 0" wsl -l --running --format json
json_is "  ...an empty list" 'd["distributions"]' "[]"
for flags in "-v" "-q" "--all" "-a -v"; do
    # shellcheck disable=SC2086
    expect_ok "-l $flags --format json" wsl -l $flags --format json
    json_is "  ...the same two rows" '[r["name"] for r in d["distributions"]]' "['Beta', 'Alpha']"
done
expect_ok "--format text is the text form" wsl -l --format text
assert_contains "  ...with its header" "$OUT" "Beta (Default)"
expect_ok "--status --format json" wsl --status --format json
json_is "  ...names the default" 'd["defaultDistribution"]' Beta
expect_ok "set-default-version 2" wsl --set-default-version 2
expect_ok "--status --format json again" wsl --status --format json
json_is "  ...defaultVersion follows" 'd["defaultVersion"]' 2
expect_fail "--format yaml is refused" "E_INVALIDARG" wsl -l --format yaml
assert_contains "  ...naming the value" "$ERR" "Invalid command line argument: yaml"

# The registry is JSON: a location whose path is not UTF-8 is refused up front, and nothing
# is left registered (it once stayed in memory as Installing).
ODD=$T/$'odd\xff'
mkdir -p "$ODD"
expect_fail "import into a non-UTF-8 directory is refused" "ERROR_INVALID_NAME" \
    wsl --import Odd "$ODD" "$SRC"
assert_contains "  ...saying why" "$ERR" "not valid UTF-8"
expect_ok "  ...and the list still parses" wsl -l --all --format json
json_is "  ...without it" '[r["name"] for r in d["distributions"]]' "['Beta', 'Alpha']"
expect_fail "  ...nothing named Odd to unregister" "WSL_E_DISTRO_NOT_FOUND" wsl --unregister Odd
check "  ...nothing written in the directory" test -z "$(ls -A "$ODD")"
expect_fail "a move to a non-UTF-8 directory is refused" "ERROR_INVALID_NAME" \
    wsl --manage Alpha --move "$ODD"
expect_ok "  ...Alpha still works where it was" wsl -l -v

# ---------------------------------------------------------------------------------------
# unregistering the default: the next one listed becomes the stored default (as wsl.exe), and
# -l, --status, --format json and the next import agree on it

expect_ok "import Gamma" wsl --import Gamma "$(fresh_dir g)" "$SRC" --version 1 || die "cannot import"
expect_ok "unregister Beta, the default" wsl --unregister Beta
expect_ok "-l" wsl -l
assert_eq "  ...Alpha, the next one listed, is the default" \
    "$(printf 'Alpha (Default)\nGamma')" "$(tail -n +2 <<<"$OUT")"
expect_ok "--status" wsl --status
assert_contains "  ...agrees" "$OUT" "Default Distribution: Alpha"
expect_ok "-l --format json" wsl -l --format json
json_is "  ...agrees" '[r["name"] for r in d["distributions"] if r["default"]]' "['Alpha']"
assert_eq "  ...and the registry stores it" "$(reg_field Alpha guid)" "$(reg_top defaultDistro)"
expect_ok "import Delta" wsl --import Delta "$(fresh_dir d)" "$SRC" --version 1 || die "cannot import"
expect_ok "--status --format json" wsl --status --format json
json_is "  ...the new import did not silently become the default" 'd["defaultDistribution"]' Alpha
expect_ok "unregister Alpha, Gamma and Delta" \
    sh -c "$WSL_BIN --unregister Alpha && $WSL_BIN --unregister Gamma && $WSL_BIN --unregister Delta"
assert_eq "  ...no default is left stored" "" "$(reg_top defaultDistro)"
expect_ok "--status --format json" wsl --status --format json
json_is "  ...and none shown" 'd["defaultDistribution"]' None

# ---------------------------------------------------------------------------------------
# --online: the same rows as the text form, with override and default

expect_ok "-l -o" wsl -l -o
TEXT_NAMES=$(tail -n +5 <<<"$OUT" | awk '{print $1}')
expect_ok "-l -o -q: names only" wsl -l -o -q
assert_eq "  ...the text form's names, in its order" "$TEXT_NAMES" "$OUT"
expect_ok "-l -o --format json" wsl -l -o --format json
assert_eq "  ...the same names in the same order" "$TEXT_NAMES" \
    "$(pyjson '"\n".join(r["name"] for r in d["distributions"])')"
json_is "  ...the catalog's default" 'd["default"]' Ubuntu
# As wsl.exe, the rows keep the catalog's order (Ubuntu first in the built-in list).
CATALOG_ORDER=$("$PY" -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["ModernDistributions"]))' \
    "$WSL_SRC/distros/DistributionInfo.json")
json_is "  ...flavors in the catalog's order" \
    '" ".join(dict.fromkeys(r["flavor"] for r in d["distributions"]))' "$CATALOG_ORDER"
assert_eq "  ...so the text list starts with Ubuntu" Ubuntu "$(head -n 1 <<<"$TEXT_NAMES")"
json_is "  ...fields" 'sorted(d["distributions"][0])' \
    "['default', 'flavor', 'friendlyName', 'name', 'override', 'sha256', 'url']"
json_is "  ...Ubuntu's default version is marked" \
    '[r["name"] for r in d["distributions"] if r["flavor"] == "Ubuntu" and r["default"]]' \
    "['Ubuntu']"
json_is "  ...nothing from an override list" 'any(r["override"] for r in d["distributions"])' False
json_is "  ...https URLs and 64-digit hashes" \
    'all(r["url"].startswith("https://") and len(r["sha256"].removeprefix("0x")) == 64 for r in d["distributions"])' True

LIST=$T/override.json
cat >"$LIST" <<'JSON'
{"Default": "Mine", "ModernDistributions": {"Mine": [
  {"Name": "Mine-1", "FriendlyName": "My own", "Default": true,
   "Amd64Url": {"Url": "file:///nowhere/mine.wsl", "Sha256": "0x0000000000000000000000000000000000000000000000000000000000000001"},
   "Arm64Url": {"Url": "file:///nowhere/mine.wsl", "Sha256": "0000000000000000000000000000000000000000000000000000000000000001"}}],
 "debian": [
  {"Name": "Debian-Mine", "FriendlyName": "My Debian", "Default": true,
   "Amd64Url": {"Url": "file:///nowhere/deb.wsl", "Sha256": "0000000000000000000000000000000000000000000000000000000000000002"},
   "Arm64Url": {"Url": "file:///nowhere/deb.wsl", "Sha256": "0000000000000000000000000000000000000000000000000000000000000002"}}]}}
JSON
printf '[general]\ninstanceIdleTimeout=-1\ndistributionListUrlAppend=file://%s\n' "$LIST" >"$HOME/.wslconfig"
expect_ok "-l -o --format json with an override list" wsl -l -o --format json
json_is "  ...its entry first, marked override" \
    '(d["distributions"][0]["name"], d["distributions"][0]["override"], d["distributions"][0]["friendlyName"])' \
    "('Mine-1', True, 'My own')"
json_is "  ...the override list's default wins (as wsl.exe)" 'd["default"]' Mine
json_is "  ...one default version per flavor, the override's for a flavor both lists have" \
    '[r["name"] for r in d["distributions"] if r["default"] and r["flavor"].lower() == "debian"]' \
    "['Debian-Mine']"
json_is "  ...no flavor has two" \
    'len([r for r in d["distributions"] if r["default"]]) == len(set(r["flavor"].lower() for r in d["distributions"] if r["default"]))' \
    True

# ---------------------------------------------------------------------------------------
# --offline: cached copies only, never a connection

PORT_FILE=$T/httpd.port
LOG=$T/httpd.log
cp "$WSL_SRC/distros/DistributionInfo.json" "$T/catalog.json"
bg "$PY" "$E2E_DIR/httpd.py" serve --root "$T" --port-file "$PORT_FILE" --log "$LOG" \
    >"$T/httpd.out" 2>&1
wait_until 10 test -s "$PORT_FILE" || die "the test HTTP server did not start" "$(cat "$T/httpd.out")"
URL="http://127.0.0.1:$(<"$PORT_FILE")/catalog.json"
printf '[general]\ninstanceIdleTimeout=-1\ndistributionListUrl=%s\n' "$URL" >"$HOME/.wslconfig"
touch "$LOG"
requests() { wc -l <"$LOG"; }

expect_fail "--offline before the list was ever fetched" "WSL_E_CATALOG_NOT_CACHED" \
    wsl -l -o --offline
assert_contains "  ...says how to fetch it" "$ERR" "has not been fetched yet"
assert_eq "  ...without a request" 0 "$(requests)"
expect_ok "-l -o fetches the list" wsl -l -o -q
assert_eq "  ...one request" 1 "$(requests)"
ONLINE=$OUT
expect_ok "-l -o -q --offline" wsl -l -o -q --offline
assert_eq "  ...the cached names" "$ONLINE" "$OUT"
assert_eq "  ...and no request" 1 "$(requests)"
expect_ok "-l -o --offline --format json" wsl -l -o --offline --format json
json_is "  ...JSON from the cache" 'len(d["distributions"])' "$(grep -c . <<<"$ONLINE")"
assert_eq "  ...still no request" 1 "$(requests)"
expect_fail "--offline without --online is a usage error" "" wsl -l --offline

finish
