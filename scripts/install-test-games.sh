#!/usr/bin/env bash
# Installs the test-bed games (calibration/README.md) when missing: their Debian packages
# (scripts/install-system-deps.sh --games, as root) and the HTML5 game, Pac-Man from the npm
# package pac-man-game 1.0.6, unpacked into .cache/games/ (checked against its sha256).
# Quick when everything is there; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-system-deps.sh --games

name=pac-man-game version=1.0.6
sha256=535495095fd2878ff0211394f1a661dc8e389fcd4e58c0cd555f5cfdfefbf7df
target=.cache/games/$name-$version
[ -f "$target/package/lib/index.html" ] && exit 0

if ! command -v npm >/dev/null; then
    echo "setup: npm is missing, so the HTML5 test game ($name@$version) cannot be fetched;" \
         "install Node.js and npm (as root: apt-get install npm) and run $0 again" >&2
    exit 1
fi
echo "setup: npm pack $name@$version into $target"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$name@$version" >/dev/null)
tarball="$work/$name-$version.tgz"
if ! echo "$sha256  $tarball" | sha256sum --check --status; then
    echo "setup: $tarball does not have the expected sha256 $sha256; refusing to use it" >&2
    exit 1
fi
mkdir -p "$work/unpacked"
tar -xzf "$tarball" -C "$work/unpacked"
rm -rf "$target"
mkdir -p "$(dirname "$target")"
mv "$work/unpacked" "$target"
