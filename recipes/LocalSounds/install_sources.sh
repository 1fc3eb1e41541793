#!/usr/bin/env bash
# ############################################################################
# Installs the Debian packages the LocalSounds corpus is built from.
#
#   bash recipes/LocalSounds/install_sources.sh [--small]
#
# Checks first and runs as a normal user when every package is installed;
# root (sudo, when not root) is asked for only to install the missing ones.
# Idempotent: packages already installed are left alone, and `apt-get update`
# runs only when a package is unknown to the package lists or an install
# fails on stale lists. --small leaves out hydrogen-drumkits (142 MB
# download); the drum hits then come from the one kit of hydrogen-data.
# Exits non-zero, with the reason, when anything is missing afterwards.
#
# Authors
#  * pengi-sb developers 2026
# ############################################################################
set -euo pipefail

SMALL=0
for arg in "$@"; do
    case "$arg" in
        --small) SMALL=1 ;;
        -h|--help)
            sed -n '3,14p' "$0" | sed 's/^# \{0,1\}//'
            exit 0 ;;
        *)
            echo "install_sources.sh: unknown option '$arg' (use --small or --help)" >&2
            exit 2 ;;
    esac
done

fail() {
    echo "install_sources.sh: ERROR: $*" >&2
    exit 1
}

PACKAGES=(
    fluidsynth                  # renders the soundfont notes
    fluid-soundfont-gm          # FluidR3 GM soundfont: training notes
    musescore-general-soundfont-small  # MuseScore General: training notes
    timgm6mb-soundfont          # TimGM6mb: the test notes (never trained on)
    asterisk-core-sounds-en-wav asterisk-core-sounds-en
    asterisk-core-sounds-es-wav asterisk-core-sounds-es
    asterisk-core-sounds-fr-wav asterisk-core-sounds-fr
    asterisk-core-sounds-it-wav asterisk-core-sounds-it
    asterisk-core-sounds-ru-wav asterisk-core-sounds-ru
    hydrogen-data               # GMRockKit drum kit
    sonic-pi-samples
    sound-theme-freedesktop
)
if [ "$SMALL" -eq 0 ]; then
    PACKAGES+=(hydrogen-drumkits)
fi

# Runs a command as root: directly when root, else through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        fail "installing needs root and sudo is not installed: run as root, bash $0"
    fi
}

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

has_candidate() {
    local candidate
    candidate=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')
    [ -n "$candidate" ] && [ "$candidate" != "(none)" ]
}

MISSING=()
for pkg in "${PACKAGES[@]}"; do
    installed "$pkg" || MISSING+=("$pkg")
done

if [ "${#MISSING[@]}" -eq 0 ]; then
    echo "install_sources.sh: all ${#PACKAGES[@]} packages are installed already"
else
    command -v apt-get >/dev/null 2>&1 \
        || fail "apt-get not found: the LocalSounds sources are Debian/Ubuntu packages"
    echo "install_sources.sh: to install: ${MISSING[*]}"
    [ "$(id -u)" -eq 0 ] || echo "install_sources.sh: root is needed to install them (sudo)"
    UPDATED=0
    for pkg in "${MISSING[@]}"; do
        if ! has_candidate "$pkg"; then
            echo "install_sources.sh: '$pkg' is not in the package lists: running apt-get update"
            as_root apt-get update -q || fail "apt-get update failed"
            UPDATED=1
            break
        fi
    done
    install() {
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends "${MISSING[@]}"
    }
    start=$(date +%s)
    if ! install; then
        [ "$UPDATED" -eq 0 ] || fail "apt-get install failed for: ${MISSING[*]}"
        echo "install_sources.sh: install failed, retrying after apt-get update"
        as_root apt-get update -q || fail "apt-get update failed"
        install || fail "apt-get install failed for: ${MISSING[*]}"
    fi
    echo "install_sources.sh: installed in $(( $(date +%s) - start )) s"
fi

# What localsounds_prepare.py reads must now be there.
CHECKS=(
    /usr/share/sounds/sf2/FluidR3_GM.sf2
    /usr/share/sounds/sf3/MuseScore_General.sf3
    /usr/share/sounds/sf2/TimGM6mb.sf2
    /usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz
    /usr/share/hydrogen/data/drumkits/GMRockKit/drumkit.xml
    /usr/share/sonic-pi/samples/bd_haus.flac
    /usr/share/sounds/freedesktop/stereo/bell.oga
)
for path in "${CHECKS[@]}"; do
    [ -e "$path" ] || fail "$path is missing after the install"
done
command -v fluidsynth >/dev/null 2>&1 || fail "the fluidsynth program is missing after the install"
for lang in en es fr it ru; do
    ls -d /usr/share/asterisk/sounds/"${lang}"_*_[fm]_* >/dev/null 2>&1 \
        || fail "no Asterisk voice folder for '$lang' under /usr/share/asterisk/sounds"
done
echo "install_sources.sh: LocalSounds sources ready ($(du -shL --total \
    /usr/share/sounds/sf2/TimGM6mb.sf2 /usr/share/sounds/sf2/FluidR3_GM.sf2 \
    /usr/share/sounds/sf3/MuseScore_General.sf3 /usr/share/asterisk/sounds \
    /usr/share/hydrogen/data/drumkits /usr/share/sonic-pi/samples \
    /usr/share/sounds/freedesktop 2>/dev/null | tail -1 | cut -f1) on disk)"
