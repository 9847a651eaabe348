#!/usr/bin/env bash
# Builds a real Debian WSL image (a .wsl root-filesystem tarball) with mmdebstrap from the
# host's own Debian mirror, plus its .sha256 and a DistributionInfo.json catalog, so that a
# machine without general internet can `wsl --install` a real distro from a local catalog.
#
#   distros/debian/build.sh [--suite bookworm] [--arch amd64] [--variant minbase]
#                           [--compress zstd|gzip|none] [--out DIR] [--name Debian-Local]
#                           [--url-base URL] [--force]
#
# Progress goes to stderr; stdout gets exactly one line, the manifest's path. The image is
# cached: a rerun with the same inputs only rewrites the manifest (so the same image can be
# served from another --url-base). Needs root (mmdebstrap's root mode) and mmdebstrap.
set -euo pipefail

# Bump when the image contents this script produces change, to invalidate cached images.
readonly RECIPE_VERSION=1
# passwd (useradd) is Priority: required, so minbase has it; sudo lets the first-run user
# administer the distro; ca-certificates lets apt and tools inside talk https.
readonly INCLUDE=sudo,ca-certificates

log() { printf 'debian/build.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- customize hook -----------------------------------------------------------------------
# mmdebstrap runs this script again as `build.sh --customize-hook CHROOT` (root mode: the
# hook runs on the host with the chroot's path). Inputs come through the WSLIMG_* variables.
customize() {
    local root=$1
    [[ -d $root/etc ]] || die "customize hook: $root is not a root filesystem"

    # WSL integration, as in the real Debian WSL image. No `command =` under [oobe]: the
    # tool creates the first user itself when an image has no first-run command.
    printf '[oobe]\ndefaultUid = 1000\ndefaultName = %s\n' "$WSLIMG_NAME" \
        >"$root/etc/wsl-distribution.conf"
    chmod 0644 "$root/etc/wsl-distribution.conf"

    # mmdebstrap copies the build host's resolv.conf and hostname in; neither belongs in an
    # image. wsl-init writes resolv.conf and sets the hostname when the distro starts.
    rm -f "$root/etc/resolv.conf" "$root/etc/hostname"

    # mmdebstrap names a sources file given to it 0000<name>; use the name Debian itself
    # gives its deb822 sources file.
    local d=$root/etc/apt/sources.list.d
    if [[ -f $d/0000debian.sources && ! -e $d/debian.sources ]]; then
        mv "$d/0000debian.sources" "$d/debian.sources"
    fi

    # Keys that Signed-By names but the Debian keyring package does not ship (a private
    # mirror's key) so that apt inside the image can still verify the mirror.
    local key
    for key in $WSLIMG_KEYS; do
        if [[ ! -e $root$key ]]; then
            install -D -m 0644 "$key" "$root$key"
        fi
    done

    # Small image: no package lists, downloaded .debs, apt's binary caches or backups.
    # (mmdebstrap's cleanup step removes lists and archives too; this keeps the image small
    # even when it is run with --skip=cleanup.)
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
    rm -f "$root"/var/cache/apt/archives/*.deb
    rm -f "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old
    mkdir -p "$root/var/lib/apt/lists/partial"

    # The release the image really is, for the catalog's FriendlyName.
    (
        # shellcheck disable=SC1091
        . "$root/etc/os-release"
        printf '%s\n' "${VERSION_ID:-$(cat "$root/etc/debian_version")}"
    ) >"$WSLIMG_VERSION_FILE"
}

if [[ ${1:-} == --customize-hook ]]; then
    customize "$2"
    exit 0
fi

# --- options ------------------------------------------------------------------------------
host_codename() {
    local ID='' VERSION_CODENAME=''
    # shellcheck disable=SC1091
    [[ -r /etc/os-release ]] && . /etc/os-release
    if [[ $ID == debian && -n $VERSION_CODENAME ]]; then
        echo "$VERSION_CODENAME"
    else
        echo bookworm
    fi
}

suite='' arch='' variant=minbase compress=zstd out=/var/cache/wsl-images name=Debian-Local
url_base='' force=0
need() { (($# >= 2)) || die "$1 needs a value"; }
while (($#)); do
    case $1 in
        --suite) need "$@"; suite=$2; shift 2 ;;
        --arch) need "$@"; arch=$2; shift 2 ;;
        --variant) need "$@"; variant=$2; shift 2 ;;
        --compress) need "$@"; compress=$2; shift 2 ;;
        --out) need "$@"; out=$2; shift 2 ;;
        --name) need "$@"; name=$2; shift 2 ;;
        --url-base) need "$@"; url_base=$2; shift 2 ;;
        --force) force=1; shift ;;
        -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
done

suite=${suite:-$(host_codename)}
arch=${arch:-$(dpkg --print-architecture)}
case $compress in zstd | gzip | none) ;; *) die "--compress must be zstd, gzip or none" ;; esac
# The name becomes a WSL distribution name and part of a file name and of the JSON.
[[ $name =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "--name may only hold letters, digits, . _ -"
[[ $suite =~ ^[a-z0-9][a-z0-9.-]*$ ]] || die "bad --suite: $suite"
[[ $arch =~ ^[a-z0-9]+$ ]] || die "bad --arch: $arch"
case $arch in
    amd64) url_key=Amd64Url ;;
    arm64) url_key=Arm64Url ;;
    *) die "WSL catalogs only know amd64 and arm64 images, not $arch" ;;
esac

mkdir -p "$out"
out=$(cd "$out" && pwd -P)
file="${name,,}-$suite-$arch.wsl"
image=$out/$file
stamp=$image.stamp
manifest=$out/DistributionInfo.json

# file:// URLs are percent-decoded by the tool, so encode what is not plainly safe.
urlencode_path() {
    local s=$1 c i enc=''
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
            [A-Za-z0-9/._~-]) enc+=$c ;;
            *) enc+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    printf '%s' "$enc"
}
url_base=${url_base:-file://$(urlencode_path "$out")}
url_base=${url_base%/}

json_escape() {
    local s=${1//\\/\\\\}
    printf '%s' "${s//\"/\\\"}"
}

# --- host mirror --------------------------------------------------------------------------
# mmdebstrap given no mirror does NOT read the host's apt sources: it uses its built-in
# http://deb.debian.org/debian (+ -updates and security.debian.org for known stable suites).
# To honour a host that uses a local or proxied mirror, pass that mirror explicitly.
#
# Prints "URI|SUITES|COMPONENTS|SIGNED-BY" for each enabled `deb` entry of the host, in apt's
# reading order (sources.list, then sources.list.d alphabetically; .list and .sources).
host_sources() {
    local f
    local -a files=()
    [[ -f /etc/apt/sources.list ]] && files+=(/etc/apt/sources.list)
    for f in /etc/apt/sources.list.d/*; do
        [[ -f $f ]] && files+=("$f")
    done
    for f in "${files[@]}"; do
        case $f in
            *.list)
                # deb [opt=v opt=v] URI SUITE COMPONENT...
                sed -e 's/#.*//' "$f" | awk '
                    $1 != "deb" { next }
                    {
                        line = $0; sb = ""
                        if (match(line, /\[[^]]*\]/)) {
                            opts = substr(line, RSTART + 1, RLENGTH - 2)
                            line = substr(line, 1, RSTART - 1) substr(line, RSTART + RLENGTH)
                            n = split(opts, o, /[ \t]+/)
                            for (i = 1; i <= n; i++)
                                if (o[i] ~ /^signed-by=/) sb = substr(o[i], 11)
                        }
                        n = split(line, w, /[ \t]+/)
                        j = 0
                        for (i = 1; i <= n; i++) if (w[i] != "") v[++j] = w[i]
                        comps = ""
                        for (i = 4; i <= j; i++) comps = comps (i > 4 ? " " : "") v[i]
                        if (j >= 3) print v[2] "|" v[3] "|" comps "|" sb
                    }'
                ;;
            *.sources)
                # deb822 stanzas separated by blank lines; "#" lines are comments; fields
                # continued on indented lines (an inline Signed-By key) are skipped.
                awk '
                    function flush() {
                        if (types ~ /(^| )deb( |$)/ && tolower(enabled) != "no") {
                            n = split(uris, u, / +/)
                            for (i = 1; i <= n; i++)
                                if (u[i] != "") print u[i] "|" suites "|" comps "|" sb
                        }
                        types = uris = suites = comps = sb = ""; enabled = "yes"
                    }
                    BEGIN { enabled = "yes" }
                    /^#/ { next }
                    /^[ \t]*$/ { flush(); next }
                    /^[ \t]/ { next }
                    {
                        key = tolower($0); sub(/:.*/, "", key)
                        val = $0; sub(/^[^:]*:[ \t]*/, "", val); sub(/[ \t]+$/, "", val)
                        if (key == "types") types = val
                        else if (key == "uris") uris = val
                        else if (key == "suites") suites = val
                        else if (key == "components") comps = val
                        else if (key == "enabled") enabled = val
                        else if (key == "signed-by") sb = val
                    }
                    END { flush() }' "$f"
                ;;
        esac
    done
}

# A Debian archive: its path ends in /debian (deb.debian.org, a national mirror, a proxy
# such as apt-cacher-ng's .../debian, a file: mirror) and it has the main component. This
# leaves out third-party repositories such as download.docker.com/linux/debian (no main).
sources_file='' keys='' mirror_desc='mmdebstrap default (http://deb.debian.org/debian)'
pick_mirror() {
    local uri suites comps sb main='' main_sb='' main_updates=0 sec='' sec_sb='' s
    while IFS='|' read -r uri suites comps sb; do
        [[ " $comps " == *" main "* ]] || continue
        case ${uri%/} in
            *[:/]debian)
                if [[ -z $main ]]; then main=$uri main_sb=$sb; fi
                if [[ ${uri%/} == "${main%/}" ]]; then
                    for s in $suites; do [[ $s == *-updates ]] && main_updates=1; done
                fi
                ;;
            *[:/]debian-security)
                if [[ -z $sec ]]; then sec=$uri sec_sb=$sb; fi
                ;;
        esac
    done < <(host_sources)
    [[ -n $main ]] || return 0

    # Rolling suites have no -updates or -security; stable ones get them when the host
    # itself uses them (a partial local mirror may not carry them).
    local rolling=0
    case $suite in sid | unstable | experimental | rc-buggy) rolling=1 ;; esac

    local tmpdir=$1
    sources_file=$tmpdir/debian.sources
    {
        printf 'Types: deb\nURIs: %s\nSuites: %s' "$main" "$suite"
        if ((main_updates && !rolling)); then printf ' %s-updates' "$suite"; fi
        printf '\nComponents: main\n'
        if [[ -n $main_sb ]]; then printf 'Signed-By: %s\n' "$main_sb"; fi
        if [[ -n $sec ]] && ((!rolling)); then
            printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\n' "$sec" "$suite"
            if [[ -n $sec_sb ]]; then printf 'Signed-By: %s\n' "$sec_sb"; fi
        fi
    } >"$sources_file"
    mirror_desc="host's $main${sec:+ and $sec}"
    # Key files outside the Debian keyring package get copied into the image.
    for s in $main_sb $sec_sb; do
        if [[ $s == /* && -f $s && $s != /usr/share/keyrings/debian-archive-* ]]; then
            keys+=" $s"
        fi
    done
}

# --- cache --------------------------------------------------------------------------------
# What the image was built from; a difference means rebuild. (The mirror is not part of it:
# the same suite from another mirror is the same image for our purposes.)
stamp_key() {
    printf 'recipe=%s\nsuite=%s\narch=%s\nvariant=%s\ncompress=%s\nname=%s\ninclude=%s\n' \
        "$RECIPE_VERSION" "$suite" "$arch" "$variant" "$compress" "$name" "$INCLUDE"
}
stamp_get() { sed -n "s/^$1=//p" "$stamp" | head -n 1; }

cached() {
    [[ $force == 0 && -s $image && -s $image.sha256 && -s $stamp ]] || return 1
    [[ $(grep -Ev '^(sha256|size|version|mirror|built)=' "$stamp") == "$(stamp_key)" ]] || return 1
    # Cheap guard against an image replaced or truncated behind our back; no rehash.
    [[ $(stat -c %s "$image") == "$(stamp_get size)" ]] || return 1
    [[ $(cut -d' ' -f1 "$image.sha256") == "$(stamp_get sha256)" ]] || return 1
}

write_manifest() {
    local sha version tmp
    sha=$(stamp_get sha256)
    version=$(stamp_get version)
    tmp=$(mktemp "$out/.DistributionInfo.json.XXXXXX")
    cat >"$tmp" <<EOF
{
  "ModernDistributions": {
    "Debian": [
      {
        "Name": "$(json_escape "$name")",
        "FriendlyName": "Debian GNU/Linux $(json_escape "${version:-$suite}") (local build)",
        "Default": true,
        "$url_key": {
          "Url": "$(json_escape "$url_base/$file")",
          "Sha256": "$sha"
        }
      }
    ]
  }
}
EOF
    chmod 0644 "$tmp"
    mv -f "$tmp" "$manifest"
}

# --- build --------------------------------------------------------------------------------
# Serialize runs on the same image (parallel tests): the second waits, then finds it cached.
exec {lock_fd}>"$out/.$file.lock"
flock "$lock_fd"

tmpdir=''
cleanup() {
    if [[ -n $tmpdir ]]; then rm -rf "$tmpdir"; fi
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT
trap 'log terminated; exit 143' TERM

if cached; then
    log "cached: $image (--force rebuilds)"
else
    command -v mmdebstrap >/dev/null ||
        die "mmdebstrap is not installed (apt-get install mmdebstrap)"
    ((EUID == 0)) || die "run as root (mmdebstrap builds the image in root mode)"
    case $compress in
        zstd) command -v zstd >/dev/null || die "zstd is not installed" ;;
    esac

    # Invalidate first: if this build dies, no old stamp may vouch for a new file.
    rm -f "$stamp"
    # Temporary files live in OUT (same file system, so the final mv is an atomic rename).
    tmpdir=$(mktemp -d "$out/.build.XXXXXX")
    pick_mirror "$tmpdir"

    mm=(mmdebstrap --mode=root --variant="$variant" --architectures="$arch"
        --include="$INCLUDE" --format=tar
        --customize-hook="\"$(realpath "$0")\" --customize-hook \"\$1\""
        "$suite" -)
    [[ -n $sources_file ]] && mm+=("$sources_file")
    log "building $image ($suite/$arch, $variant) from $mirror_desc"
    log "running: $(printf '%q ' "${mm[@]}")"

    export WSLIMG_NAME=$name WSLIMG_KEYS=$keys WSLIMG_VERSION_FILE=$tmpdir/version
    case $compress in
        zstd) compressor=(zstd -q -3 -T0) ;;
        gzip) if command -v pigz >/dev/null; then compressor=(pigz -n); else compressor=(gzip -n); fi ;;
        none) compressor=(cat) ;;
    esac
    start=$SECONDS
    # mmdebstrap's own .tar.zst output runs zstd single-threaded; piping lets us pick the
    # level and threads and never writes the uncompressed tar to disk.
    # mmdebstrap's chatter goes to a log that is shown only when it fails.
    if ! "${mm[@]}" --logfile="$tmpdir/mmdebstrap.log" </dev/null |
        "${compressor[@]}" >"$tmpdir/$file"; then
        tail -n 25 "$tmpdir/mmdebstrap.log" >&2 || true
        die "mmdebstrap failed (the end of its log is above)"
    fi
    [[ -s $tmpdir/version ]] || die "the customize hook did not run"

    sha=$(sha256sum "$tmpdir/$file" | cut -d' ' -f1)
    printf '%s  %s\n' "$sha" "$file" >"$tmpdir/$file.sha256"
    {
        stamp_key
        printf 'sha256=%s\nsize=%s\nversion=%s\nmirror=%s\nbuilt=%s\n' "$sha" \
            "$(stat -c %s "$tmpdir/$file")" "$(cat "$tmpdir/version")" "$mirror_desc" \
            "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    } >"$tmpdir/stamp"
    chmod 0644 "$tmpdir/$file" "$tmpdir/$file.sha256" "$tmpdir/stamp"
    # The stamp goes last: only a complete image with its checksum gets one.
    mv -f "$tmpdir/$file" "$image"
    mv -f "$tmpdir/$file.sha256" "$image.sha256"
    mv -f "$tmpdir/stamp" "$stamp"
    log "built $image ($(du -h "$image" | cut -f1), $((SECONDS - start)) s)"
fi

write_manifest
log "catalog: $manifest -> $url_base/$file"
echo "$manifest"
