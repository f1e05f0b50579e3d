#!/usr/bin/env bash
# Installs the system packages the end-to-end tests need (a virtual X display, xdotool, and the
# X11 libraries Qt's xcb platform plugin loads), through apt, when missing and running as root.
# With --games, also the Debian packages of the test-bed games (calibration/README.md):
# xgalaga (and the X fonts it needs), xjump, moon-buggy in xterm, and chromium for the HTML5
# game (scripts/install-test-games.sh adds that game's files from npm).
set -euo pipefail

packages=(xvfb xdotool x11-utils libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0
          libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0
          libxcb-xkb1 libxcb-xfixes0 libegl1 libgl1 libfontconfig1 libdbus-1-3 libglib2.0-0)
if [ "${1:-}" = "--games" ]; then
    # xgalaga segfaults without the 6x10 bitmap font (xfonts-base); xterm draws moon-buggy in
    # the 10x20 one; xjump asks for a 24-pixel Adobe font (xfonts-75dpi), without which its
    # window is 36 pixels shorter than calibration/xjump.toml's. The fonts must be there before
    # the X server starts.
    packages+=(xgalaga xjump moon-buggy xterm xfonts-base xfonts-75dpi chromium)
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "setup: missing system packages: ${missing[*]}" >&2
    echo "setup: install them with your package manager (as root: apt-get install ${missing[*]})" >&2
    exit 1
fi
echo "setup: apt-get install ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
