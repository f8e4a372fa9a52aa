#!/usr/bin/env bash
# Default split shares (#15, item 5): the benchmark's datasets without
# their split column, compiled with rulec's own stratified split at several
# --split shares (the test share fixed at 20 %, so every variant reports on
# the same rows for a seed), seeds 0-4, targets 0.95 and 0.99, the
# gradient-boosted teacher. Prints a Markdown table: per dataset, target and
# shares, the median (smallest) test coverage over the seeds and how many
# seeds covered something below the target on test.
#
#   scripts/split_shares.sh                      # ../shared/bench
#   BENCH=path/to/bench SHARES="60/20/20 50/30/20" SEEDS="0 1" scripts/split_shares.sh
#
# About 10 minutes on 2 cores. Needs python3 (to drop the split column).
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH="${BENCH:-../shared/bench}"
SHARES="${SHARES:-60/20/20 50/30/20 45/35/20}"
SEEDS="${SEEDS:-0 1 2 3 4}"
TARGETS="${TARGETS:-0.95 0.99}"
WORK="${WORK:-$(mktemp -d)}"
mkdir -p "$WORK"

if [ -z "${BIN:-}" ]; then
    cargo build --release --quiet -p rulec
    BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/rulec"
fi

# Each dataset's target column, from the benchmark README's data table.
python3 - "$BENCH" "$WORK" <<'PY'
import csv, os, re, sys
bench, work = sys.argv[1], sys.argv[2]
targets = {}
for line in open(os.path.join(bench, "README.md")):
    m = re.match(r"\| (\w+) \| .*? \| `(\w+)` \|", line)
    if m:
        targets[m.group(1)] = m.group(2)
with open(os.path.join(work, "targets.txt"), "w") as out:
    for name, target in sorted(targets.items()):
        src = os.path.join(bench, "data", name + ".csv")
        if not os.path.exists(src):
            continue
        with open(src, newline="") as f, open(os.path.join(work, name + ".csv"), "w", newline="") as g:
            r, w = csv.reader(f), csv.writer(g)
            header = next(r)
            drop = header.index("split")
            w.writerow(header[:drop] + header[drop + 1:])
            for row in r:
                w.writerow(row[:drop] + row[drop + 1:])
        out.write(f"{name} {target}\n")
PY

results="$WORK/results.txt"
: > "$results"
while read -r name target; do
    for shares in $SHARES; do
        for seed in $SEEDS; do
            for p in $TARGETS; do
                out="$WORK/out"
                rm -rf "$out"
                "$BIN" compile "$WORK/$name.csv" --target "$target" --teacher gbdt \
                    --split "$shares" --seed "$seed" --precision "$p" \
                    --cache-dir "$WORK/cache-${shares//\//-}" --out "$out" --quiet
                python3 -c "
import json, sys
r = json.load(open('$out/report.json'))
print('$name', '$p', '$shares', '$seed', r['coverage'] or 0.0, r['covered_precision'] if r['covered_precision'] is not None else 'none')
" >> "$results"
            done
        done
    done
done < "$WORK/targets.txt"

python3 - "$results" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
order = []
for line in open(sys.argv[1]):
    name, p, shares, seed, cov, prec = line.split()
    if shares not in order:
        order.append(shares)
    runs[(name, p, shares)].append((float(cov), None if prec == "none" else float(prec)))
print("| dataset | target | " + " | ".join(f"{s}: median (min), below target" for s in order) + " |")
print("|---|---|" + "---|" * len(order))
for name, p in sorted({(k[0], k[1]) for k in runs}):
    cells = []
    for s in order:
        v = runs[(name, p, s)]
        covs = [c for c, _ in v]
        below = sum(1 for c, q in v if q is not None and c > 0 and q < float(p))
        cells.append(f"{statistics.median(covs):.3f} ({min(covs):.3f}), {below}")
    print(f"| {name} | {p} | " + " | ".join(cells) + " |")
PY
