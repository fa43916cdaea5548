#!/usr/bin/env bash
# Runs the parity suites under each OpenBLAS kernel this CPU can execute and prints, for every
# check, the worst difference reached on each kernel beside its bound. A bound must hold on every
# CPU of the machine kind, and OpenBLAS picks its kernel (and so its summation order) by CPU:
# a bound that one machine barely meets fails on the next. Exits 1 if any check failed.
#
#   scripts/parity-kernels.sh                     # every core type below that this CPU runs
#   scripts/parity-kernels.sh Haswell SkylakeX    # just these (test.sh runs two)
#
# Needs the tests built: `swift build -c release --build-tests` (test.sh has done it). Linux
# with OpenBLAS only; on macOS (Accelerate) it says so and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(uname -s)" != Linux ]; then
    echo "parity-kernels: OpenBLAS core types exist on Linux only; nothing to do here."
    exit 0
fi

# The suites whose numbers go through BLAS.
filter='ProbabilityParityTests|LogitParityTests|LinearTests|Conv1dTests|WaveformConvTests|BatchedKernelTests|ThreadedProductTests|LSTMCellTests|LiveEmotionAnalyzerTests'

flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
has() { for f in "$@"; do [[ "$flags" == *" $f "* ]] || return 1; done; }
# The instructions each kernel uses (OpenBLAS 0.3.21's dynamic-arch kernels); one this CPU
# lacks would stop the process with SIGILL, so it is skipped and said so.
runnable() {
    case "$1" in
    Prescott) has pni ;;  # SSE3 is "pni" in /proc/cpuinfo
    Nehalem) has sse4_2 ;;
    Sandybridge) has avx ;;
    Haswell | Zen) has avx2 fma ;;
    SkylakeX) has avx512f avx512bw avx512dq avx512vl ;;
    Cooperlake) has avx512f avx512bw avx512dq avx512vl avx512_bf16 ;;
    *) return 1 ;;
    esac
}

if [ $# -gt 0 ]; then kernels=("$@"); else kernels=(Prescott Nehalem Sandybridge Haswell Zen SkylakeX Cooperlake); fi
log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT
status=0
ran=()
for kernel in "${kernels[@]}"; do
    if ! runnable "$kernel"; then
        echo "parity-kernels: skipping $kernel: this CPU lacks its instructions"
        continue
    fi
    # OpenBLAS falls back to its own choice for a name it does not know: check what it ran.
    chosen=$(OPENBLAS_CORETYPE=$kernel OPENBLAS_VERBOSE=2 VOICE_EMOTION_PARITY_LOG="$log_dir/$kernel.tsv" \
        swift test -c release --disable-testable-imports --skip-build --filter "$filter" >"$log_dir/$kernel.out" 2>&1 \
        && echo ok || echo failed)
    core=$(grep -m1 -o 'Core: [A-Za-z0-9]*' "$log_dir/$kernel.out" | cut -d' ' -f2 || true)
    if [ "$core" != "$kernel" ]; then
        echo "parity-kernels: asked OpenBLAS for $kernel, it ran '${core:-?}'" >&2
        status=1
    fi
    if [ "$chosen" != ok ]; then
        echo "parity-kernels: $kernel: tests failed:" >&2
        grep -E '✘|error:' "$log_dir/$kernel.out" | head -20 >&2 || true
        status=1
    fi
    ran+=("$kernel")
done
[ ${#ran[@]} -gt 0 ] || { echo "parity-kernels: no kernel could run" >&2; exit 1; }

# One row per check: its bound, the worst per kernel, the worst overall and the headroom
# (bound / worst).
python3 - "$log_dir" "${ran[@]}" <<'EOF'
import sys, os, collections
log_dir, kernels = sys.argv[1], sys.argv[2:]
worst = collections.defaultdict(dict)
bounds = {}
for k in kernels:
    path = os.path.join(log_dir, k + ".tsv")
    if not os.path.exists(path): continue
    for line in open(path):
        check, value, bound = line.rstrip("\n").split("\t")
        worst[check][k] = max(worst[check].get(k, 0.0), float(value))
        bounds[check] = float(bound)
# Group the checks of one family (the name up to its last dot) to keep the table short.
families = collections.defaultdict(lambda: (collections.defaultdict(float), 0.0))
for check, per in worst.items():
    family = check.rsplit(".", 1)[0] if check.count(".") > 1 else check
    values, bound = families[family]
    for k, v in per.items(): values[k] = max(values[k], v)
    families[family] = (values, max(bound, bounds[check]))
width = max(len(f) for f in families) if families else 10
print(f"{'check':<{width}}  {'bound':>8}  " + "  ".join(f"{k[:11]:>11}" for k in kernels) + "  headroom")
for family in sorted(families):
    values, bound = families[family]
    top = max(values.values())
    room = f"{bound / top:.2f}x" if top > 0 else "exact"
    print(f"{family:<{width}}  {bound:8.1e}  " + "  ".join(f"{values.get(k, float('nan')):11.2e}" for k in kernels) + f"  {room}")
EOF
exit $status
