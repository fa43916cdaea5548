#!/usr/bin/env bash
# Installs what VoiceEmotion needs, if it is missing (idempotent):
#   Debian/Ubuntu: pkg-config, OpenBLAS (CBLAS), libsndfile, libsoxr, SQLite, ffmpeg  (apt-get; root or sudo)
#   macOS:         pkg-config, libsndfile, libsoxr, ffmpeg                    (Homebrew; BLAS is Accelerate,
#                  SQLite is part of the system)
# The ffmpeg program (run, never linked) decodes memo formats libsndfile cannot: m4a, mp4, mov,
# 3gp, webm; without it those files give a clear error and everything else works.
# SQLite (libsqlite3-dev) is the journal's store, through GRDB.
# With --for-tests, also what the tests use besides the library: python3 (the stand-in for the
# Hugging Face hub the download tests start on 127.0.0.1, and a PNG reader), gzip (a CRC-32
# reference), the sqlite3 program (checks on journal files) and Chromium (renders the dashboard
# headless).
# The Swift toolchain (6.1 or newer) itself is a prerequisite: https://www.swift.org/install
set -euo pipefail
for_tests=0
[ "${1:-}" = "--for-tests" ] && for_tests=1

if ! command -v swift >/dev/null 2>&1; then
    echo "error: no 'swift' on PATH. Install Swift 6.1 or newer (https://www.swift.org/install) and retry." >&2
    exit 1
fi

case "$(uname -s)" in
Linux)
    packages=(pkg-config libopenblas-dev libsndfile1-dev libsoxr-dev libsqlite3-dev ffmpeg)
    [ "$for_tests" = 1 ] && packages+=(python3 gzip sqlite3 chromium)
    missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        if ! command -v apt-get >/dev/null 2>&1; then
            echo "error: missing ${missing[*]} and no apt-get; install their equivalents with your package manager." >&2
            exit 1
        fi
        sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        echo "Installing ${missing[*]} ..."
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    ;;
Darwin)
    if ! command -v brew >/dev/null 2>&1; then
        echo "error: Homebrew is needed to install libsndfile, libsoxr and ffmpeg (https://brew.sh)." >&2
        exit 1
    fi
    for p in pkg-config libsndfile libsoxr ffmpeg; do
        brew list --versions "$p" >/dev/null 2>&1 || brew install "$p"
    done
    if [ "$for_tests" = 1 ]; then
        command -v python3 >/dev/null 2>&1 || brew install python3
        [ -d /Applications/Chromium.app ] || command -v chromium >/dev/null 2>&1 || brew install --cask chromium
    fi
    ;;
*)
    echo "error: unsupported system $(uname -s); install pkg-config, a CBLAS, libsndfile, libsoxr, SQLite and ffmpeg by hand." >&2
    exit 1
    ;;
esac
