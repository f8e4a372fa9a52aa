#!/usr/bin/env bash
# The seed example end to end: data -> rules -> a generated crate -> a
# program that links it.  Run from anywhere:
#     bash examples/shipping/run.sh [OUT_DIR]      (default out/shipping)
# RULEC may name a built rulec binary; by default cargo runs it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-out/shipping}"
rulec() {
    if [ -n "${RULEC:-}" ]; then "$RULEC" "$@"; else cargo run --release --quiet --manifest-path "$here/../../Cargo.toml" -- "$@"; fi
}
mkdir -p "$out"
# 1. Historical data: 100,000 deliveries with the cheapest shipper of each.
rulec dataset shipping --rows 100000 --out "$out/shipments.csv"
# 2. Compile: teacher, rules, certification, rule book, crate.
rulec compile "$out/shipments.csv" --target cheapest_shipper --out "$out/compiled"
# 3. A program that links the generated crate (as a service would).
rm -rf "$out/app"
mkdir -p "$out/app/src"
cp "$here/app/src/main.rs" "$out/app/src/main.rs"
cp "$here/app/Cargo.toml.in" "$out/app/Cargo.toml"
ln -sfn "$(cd "$out/compiled/crate" && pwd)" "$out/crate"
cargo run --release --quiet --manifest-path "$out/app/Cargo.toml"
echo "rule book: $out/compiled/RULEBOOK.md"
