#!/usr/bin/env bash
# A second domain: routing insurance claims (categorical-heavy, imbalanced,
# with missing values).  Run from anywhere:
#     bash examples/claims/run.sh [OUT_DIR]      (default out/claims)
# RULEC may name a built rulec binary; by default cargo runs it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-out/claims}"
rulec() {
    if [ -n "${RULEC:-}" ]; then "$RULEC" "$@"; else cargo run --release --quiet --manifest-path "$here/../../Cargo.toml" -- "$@"; fi
}
mkdir -p "$out"
# Last year's claims, and this month's to route.
rulec dataset claims --rows 60000 --seed 0 --out "$out/history.csv"
rulec dataset claims --rows 5000 --seed 1 --out "$out/this_month.csv"
# Gradient-boosted trees as the teacher; certify each rule set at 95 %.
rulec compile "$out/history.csv" --target route --teacher gbdt --out "$out/compiled"
# This month's claims: the rules route what they cover; an empty decision
# goes to the model (and the adjusters).
rulec apply "$out/compiled/rules.json" "$out/this_month.csv" > "$out/routed.csv"
total=$(($(wc -l < "$out/routed.csv") - 1))
covered=$(tail -n +2 "$out/routed.csv" | awk -F, '$NF != ""' | wc -l)
echo "routed by rules: $covered of $total claims; rule book: $out/compiled/RULEBOOK.md"
# And a month later, with the labels in: do the rules still hold?
# It exits 1 when a rule fails there; say so rather than stop: a small rule
# can be flagged by chance on one month (each rule is tested on its own).
rulec check "$out/compiled/rules.json" "$out/this_month.csv" ||
    echo "rulec check flagged rules on this month (exit $?): see the table above"
