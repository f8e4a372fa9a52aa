#!/usr/bin/env bash
# rulec's compile time against the best peers of the public benchmark (#8).
#
# For every dataset of shared/bench (BENCH, default ../shared/bench next to
# this checkout, or /work/shared/bench) and both precision targets, times
#
#   rulec compile FILE --target T --split-column split --no-cache --precision P
#
# end to end as a process (starting, reading the file, teaching, writing the
# outputs), the median of RUNS runs (default 5), with the default teacher
# (the random forest) and with `--teacher gbdt` (what `rulec bench` uses),
# on all cores. The peers' fit times come from the benchmark README's
# tables, measured elsewhere; a peer that distils a teacher (`dt_hgb_..`,
# `dt_rf_..`) has that teacher's fit added. To put them on this machine, the
# README's teacher, scikit-learn's HistGradientBoostingClassifier
# (random_state=0, native categoricals, one thread), is fitted here on each
# train split (median of RUNS fits): the ratio of its time here to the
# README's scales the peer's time. Prints Markdown tables.
#
#   scripts/peer_times.sh
#   RUNS=3 BENCH=/path/to/bench scripts/peer_times.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH="${BENCH:-}"
if [ -z "$BENCH" ]; then
    for dir in ../shared/bench /work/shared/bench; do
        if [ -f "$dir/README.md" ]; then BENCH="$dir"; break; fi
    done
fi
[ -n "$BENCH" ] || { echo "peer_times: no benchmark folder; set BENCH" >&2; exit 2; }
RUNS="${RUNS:-5}"

cargo build --release --quiet -p rulec
OMP_NUM_THREADS=1 python3 - "$BENCH" "$RUNS" "${CARGO_TARGET_DIR:-$PWD/target}/release/rulec" <<'EOF'
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

bench, runs, rulec = sys.argv[1], int(sys.argv[2]), sys.argv[3]
readme = open(os.path.join(bench, "README.md")).read()

def cells(line):
    return [c.strip().strip("`") for c in line.strip().strip("|").split("|")]

# Datasets and targets: the "Data" table.
targets = {}
section = None
for line in readme.splitlines():
    if line.startswith("| dataset | source | target"):
        section = "data"
        continue
    if line.startswith("| dataset | teacher accuracy"):
        section = "best"
        continue
    if line.startswith("### "):
        section = line[4:].strip()
        continue
    if not line.startswith("|") or line.startswith("|---"):
        if not line.startswith("|"):
            section = section if section and section not in ("data", "best") else None
        continue
    c = cells(line)
    if section == "data":
        targets[c[0]] = c[2]
    elif section == "best":
        targets.setdefault(c[0], None)
        best = {}
        for target, text in (("0.95", c[2]), ("0.99", c[3])):
            best[target] = None if text == "none meets" else text.split(":")[0].strip()
        targets[c[0] + "/best"] = best
    elif section in targets and c[0] != "method":
        # A method the README gives no fit time for is left out.
        try:
            secs = float(c[6])
        except ValueError:
            continue
        targets.setdefault(section + "/fits", []).append((c[1], c[0], secs))

def peer_fit(dataset, method, target):
    fits = targets[dataset + "/fits"]
    # The same method at that target, or its plain form, which answers every row.
    for name, tgt in ((method, target), (method, "–"), (method + "[plain]", "–")):
        for t, m, secs in fits:
            if m == name and t == tgt:
                teacher = None
                if m.startswith("dt_hgb"):
                    teacher = "teacher_hgb[plain]"
                elif m.startswith("dt_rf"):
                    teacher = "teacher_rf[plain]"
                extra = next((s for t2, m2, s in fits if m2 == teacher), 0.0) if teacher else 0.0
                return secs, extra
    return None, None

def teacher_hgb_readme(dataset):
    return next(s for t, m, s in targets[dataset + "/fits"] if m == "teacher_hgb[plain]")

def hgb_fit_here(path, target):
    import pandas as pd
    from sklearn.ensemble import HistGradientBoostingClassifier
    df = pd.read_csv(path)
    train = df[df["split"] == "train"]
    x = train.drop(columns=[target, "split"]).copy()
    for col in x.columns:
        if not pd.api.types.is_numeric_dtype(x[col]):
            x[col] = x[col].astype("category")
    y = train[target]
    times = []
    for _ in range(runs):
        model = HistGradientBoostingClassifier(random_state=0, categorical_features="from_dtype")
        start = time.perf_counter()
        model.fit(x, y)
        times.append(time.perf_counter() - start)
    return statistics.median(times)

def rulec_time(path, target, precision, teacher):
    times, rules = [], "?"
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as out:
            cmd = [rulec, "compile", path, "--target", target, "--split-column", "split",
                   "--no-cache", "--precision", precision, "--out", out]
            if teacher:
                cmd += ["--teacher", teacher]
            start = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True)
            times.append(time.perf_counter() - start)
            if done.returncode != 0:
                sys.exit(f"rulec failed on {path}:\n{done.stderr}")
            m = re.search(r"^done: (\d+) rules?;", done.stderr, re.M)
            rules = m.group(1) if m else "?"
    return statistics.median(times), rules

# The datasets whose "Every method" table gives the teacher's fit time in
# the first format (`teacher_hgb[plain]`, fit seconds last); the four added
# later (diamonds, flights, default, mlc_churn) have a table of another
# shape, and are left out.
datasets = [
    d for d in targets
    if "/" not in d and targets[d]
    and any(m == "teacher_hgb[plain]" for _, m, _ in targets.get(d + "/fits", []))
]
print(f"rulec compile time against the best peers ({platform.machine()}, "
      f"{os.cpu_count()} cores, median of {runs})")
print()
print("| dataset | HGB teacher fit s, README | HGB fit s, here | here / README |")
print("|---|---:|---:|---:|")
factor = {}
for d in datasets:
    path = os.path.join(bench, "data", d + ".csv")
    here = hgb_fit_here(path, targets[d])
    there = teacher_hgb_readme(d)
    factor[d] = here / there
    print(f"| {d} | {there:.3f} | {here:.3f} | {here / there:.2f} |")
print()
print("| dataset | target | best peer (README) | peer fit s, README | peer s, scaled to here "
      "| rulec s (forest) | rules | rulec s (gbdt) | rules | peer / rulec (forest) "
      "| peer / rulec (gbdt) | ≥ 2 |")
print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for d in datasets:
    path = os.path.join(bench, "data", d + ".csv")
    for target in ("0.95", "0.99"):
        method = targets[d + "/best"][target]
        forest, rules_f = rulec_time(path, targets[d], target, None)
        gbdt, rules_g = rulec_time(path, targets[d], target, "gbdt")
        if method is None:
            print(f"| {d} | {target} | none meets | – | – | {forest:.2f} | {rules_f} "
                  f"| {gbdt:.2f} | {rules_g} | – | – | no peer |")
            continue
        fit, teacher = peer_fit(d, method, target)
        peer = fit + teacher
        scaled = peer * factor[d]
        note = f"{fit:.3f}" + (f" + teacher {teacher:.3f}" if teacher else "")
        ok = "yes" if scaled / forest >= 2 and scaled / gbdt >= 2 else (
            "gbdt only" if scaled / gbdt >= 2 else ("forest only" if scaled / forest >= 2 else "no"))
        print(f"| {d} | {target} | {method} | {note} | {scaled:.3f} | {forest:.2f} | {rules_f} "
              f"| {gbdt:.2f} | {rules_g} | {scaled / forest:.3f} | {scaled / gbdt:.3f} | {ok} |")
EOF
