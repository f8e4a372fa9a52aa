#!/usr/bin/env bash
# Compiles rules from a scikit-learn model served by serve.py (the oracle).
# Run from anywhere:  bash examples/python-teacher/run.sh [OUT_DIR]
# Needs python3 with scikit-learn and pandas (pip install -r requirements.txt).
# RULEC may name a built rulec binary; by default cargo runs it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-out/python-teacher}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rulec() {
    if [ -n "${RULEC:-}" ]; then "$RULEC" "$@"; else cargo run --release --quiet --manifest-path "$here/../../Cargo.toml" -- "$@"; fi
}
# The model's own training data, and the historical rows to distil it on.
rulec dataset shipping --rows 20000 --seed 1 --out "$work/model_history.csv"
rulec dataset shipping --rows 20000 --seed 2 --out "$work/history.csv"
rulec compile "$work/history.csv" --target cheapest_shipper \
    --teacher "cmd:python3 '$here/serve.py' --train '$work/model_history.csv' --target cheapest_shipper" \
    --no-cache --out "$out"
echo "rules, rule book and crate from the scikit-learn oracle: $out"
