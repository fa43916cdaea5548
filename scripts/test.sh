#!/usr/bin/env bash
# Quick start, command 2: installs missing system packages (and python3, which the download tests'
# local stand-in for the hub runs on), builds once, runs the whole test suite, runs the parity
# suites again under two other OpenBLAS kernels (scripts/parity-kernels.sh), builds and runs the
# consumer package (Tests/ConsumerPackage), which uses VoiceEmotion as an app does, and builds
# the DocC documentation (warnings are errors). Every step runs even when an earlier one failed;
# the exit status is 1 if any did.
#
# One build serves every step and run-sample.sh after it: the tests run optimised (-c release:
# the parity tests push real audio through the models, which unoptimised SIMD code makes ~30x
# slower) and without testable imports (they use none), so they compile exactly what
# `swift build -c release` compiles; the consumer package builds in the same folder (.build), so
# it reuses the library's objects instead of compiling them a second time.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh --for-tests || exit 1
failed=()
swift test -c release --disable-testable-imports 2>&1 | grep -vE '^(◇|􀟈) Test .* started\.$' || failed+=("tests")
bash scripts/parity-kernels.sh Haswell SkylakeX || failed+=("parity under other kernels")
# (description.json is the build plan of whichever package built last: removed so each of the two
# packages plans afresh, reusing the same objects.)
rm -f .build/release/description.json
if swift build --package-path Tests/ConsumerPackage --scratch-path "$PWD/.build" -c release; then
    .build/release/Consumer || failed+=("consumer package")
    .build/release/AnalyseOnly || failed+=("analyse-only app")
    # An app that only analyses links neither URLSession nor the checkpoint reader (Linux: they
    # would show as libFoundationNetworking and as the unpickler's symbols).
    if [ "$(uname -s)" = Linux ]; then
        if ldd .build/release/AnalyseOnly | grep -q FoundationNetworking || nm .build/release/AnalyseOnly | grep -qi unpickler; then
            echo "test.sh: an app with VoiceEmotion alone links URLSession or the unpickler" >&2
            failed+=("analyse-only linkage")
        fi
    fi
else
    failed+=("consumer package build")
fi
rm -f .build/release/description.json
if swift package generate-documentation --target VoiceEmotion --warnings-as-errors >/dev/null; then
    echo "documentation: .build/plugins/Swift-DocC/outputs/VoiceEmotion.doccarchive"
else
    failed+=("documentation")
fi
if [ ${#failed[@]} -gt 0 ]; then
    echo "test.sh: failed: ${failed[*]}" >&2
    exit 1
fi
echo "test.sh: all steps passed"
