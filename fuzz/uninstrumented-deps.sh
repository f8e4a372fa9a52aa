#!/usr/bin/env bash
# RUSTC_WRAPPER for the CSV fuzz targets (see README.md): rulec's own
# crates get cargo-fuzz's flags (coverage instrumentation for libFuzzer,
# debug assertions, one codegen unit); crates from crates.io (polars,
# candle, ...) are built as in a plain release build. Instrumenting polars
# would make its build far longer for coverage of code rulec does not own;
# the targets still run polars on every input, they only are not guided by
# its branches.
set -euo pipefail
rustc="$1"
shift
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "${CARGO_MANIFEST_DIR:-}" in
    "$repo"/*) exec "$rustc" "$@" ;;
esac
args=()
for arg in "$@"; do
    case "$arg" in
        -Cpasses=sancov-module | -Cllvm-args=-sanitizer-coverage* | \
            -Cllvm-args=-simplifycfg-branch-fold-threshold=0 | \
            -Ccodegen-units=1 | -Cdebug-assertions) ;;
        *) args+=("$arg") ;;
    esac
done
exec "$rustc" "${args[@]}"
