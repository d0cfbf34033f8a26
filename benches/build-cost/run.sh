#!/usr/bin/env bash
# Build cost of ziggurat against aws-sdk-dynamodb, in one run, side by side:
#
#   zig-dynamodb  a DynamoDB-only program on ziggurat (default-features = false, "dynamodb")
#   aws-dynamodb  the same program on aws-sdk-dynamodb (default features, no aws-config)
#   zig-all       a program using every ziggurat service
#
# For each: `cargo fetch` first (downloads are not timed), then a cold `cargo build --release`
# in a fresh target directory (wall time), then the size of the stripped binary. Then, in this
# checkout (never the main workspace's own target dir), the debug `cargo build -p
# ziggurat-dynamodb` after a one-line change to a doc comment of a shape in
# services/dynamodb/src/types.rs (the change is reverted afterwards).
#
#   benches/build-cost/run.sh            # everything
#   SKIP_INCREMENTAL=1 benches/build-cost/run.sh
#
# Every build runs under `nice -n 19` (set NICE="" to run at normal priority). Target
# directories live in benches/build-cost/target/ and are removed before each cold build.
# CARGO_BUILD_JOBS is honoured as usual.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
TARGETS="$HERE/target"
NICE="${NICE-nice -n 19}"
PROGRAMS=(zig-dynamodb aws-dynamodb zig-all)
mkdir -p "$TARGETS"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

declare -A TIME SIZE UNSTRIPPED CRATES
for p in "${PROGRAMS[@]}"; do
    echo "== $p: fetch" >&2
    (cd "$HERE/$p" && cargo fetch --quiet)
done

for p in "${PROGRAMS[@]}"; do
    target="$TARGETS/$p"
    rm -rf "$target"
    echo "== $p: cold cargo build --release" >&2
    start=$(now)
    (cd "$HERE/$p" && CARGO_TARGET_DIR="$target" $NICE cargo build --release --offline --quiet)
    end=$(now)
    TIME[$p]=$(elapsed "$start" "$end")
    bin="$target/release/$p"
    UNSTRIPPED[$p]=$(stat -c %s "$bin")
    strip -o "$target/$p.stripped" "$bin"
    SIZE[$p]=$(stat -c %s "$target/$p.stripped")
    CRATES[$p]=$(cd "$HERE/$p" && cargo tree --offline -e normal --prefix none 2>/dev/null | sed 's/ (\*)$//' | sort -u | wc -l)
    "$bin" >/dev/null 2>&1 || true
    echo "   ${TIME[$p]} s, ${SIZE[$p]} bytes stripped" >&2
done

mib() { awk -v b="$1" 'BEGIN { printf "%.2f MiB", b / 1048576 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }

echo
echo "cold cargo build --release (fresh target dir, after cargo fetch), $(nproc) cores, ${NICE:-no nice}"
printf '%-14s %10s %8s %14s %8s %16s %7s\n' program "build (s)" "vs aws" "stripped" "vs aws" "unstripped" crates
for p in "${PROGRAMS[@]}"; do
    printf '%-14s %10s %8s %14s %8s %16s %7s\n' "$p" "${TIME[$p]}" \
        "$(ratio "${TIME[$p]}" "${TIME[aws-dynamodb]}")" "$(mib "${SIZE[$p]}")" \
        "$(ratio "${SIZE[$p]}" "${SIZE[aws-dynamodb]}")" "$(mib "${UNSTRIPPED[$p]}")" "${CRATES[$p]}"
done
echo "ratio = program / aws-dynamodb; crates = distinct packages in its normal dependency tree"

if [[ -n "${SKIP_INCREMENTAL:-}" ]]; then
    exit 0
fi

# Incremental: a one-line change in a shape's doc comment in the generated code.
TYPES="$ROOT/services/dynamodb/src/types.rs"
if ! git -C "$ROOT" diff --quiet -- "$TYPES"; then
    echo "services/dynamodb/src/types.rs has local changes: skipping the incremental build" >&2
    exit 1
fi
restore() { git -C "$ROOT" checkout --quiet -- "$TYPES"; }
trap restore EXIT
target="$TARGETS/incremental"
echo "== ziggurat-dynamodb: debug build (warm-up, also timed)" >&2
start=$(now)
(cd "$ROOT" && CARGO_TARGET_DIR="$target" $NICE cargo build -p ziggurat-dynamodb --offline --quiet)
end=$(now)
FIRST=$(elapsed "$start" "$end")
# The first line of AttributeValue's doc comment.
line=$(grep -n '^pub enum AttributeValue' "$TYPES" | cut -d: -f1)
doc=$(awk -v l="$line" 'NR < l && /^\/\/\/ / { d = NR } NR == l { print d; exit }' "$TYPES")
[[ -n "$doc" ]] || { echo "no doc comment before AttributeValue" >&2; exit 1; }
sed -i "${doc}s|\$| (edited by build-cost/run.sh)|" "$TYPES"
echo "== ziggurat-dynamodb: debug build after editing line $doc of types.rs" >&2
start=$(now)
(cd "$ROOT" && CARGO_TARGET_DIR="$target" $NICE cargo build -p ziggurat-dynamodb --offline --quiet)
end=$(now)
INCR=$(elapsed "$start" "$end")
restore
trap - EXIT
echo
echo "cargo build -p ziggurat-dynamodb (debug, workspace profile)"
printf '%-44s %8s s\n' "cold (fresh target dir, the workspace's lock)" "$FIRST"
printf '%-44s %8s s\n' "after a doc-comment edit in types.rs" "$INCR"
